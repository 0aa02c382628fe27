// Forward a raw .eml of any size without loading it: read from a stream (here the file, or
// standard input with "-"), sent as it is with a new envelope (only Bcc fields are dropped).
//   mono ForwardEmlStream.exe FILE.eml | -
using System;
using System.IO;
using Missive;

static class ForwardEmlStream
{
    static int Main(string[] args)
    {
        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: ForwardEmlStream FILE.eml | -");
            return 2;
        }
        try
        {
            using (var client = ExampleSettings.CreateClient())
            using (var input = args[0] == "-" ? Console.OpenStandardInput() : File.OpenRead(args[0]))
            {
                long size = input.CanSeek ? input.Length : -1;
                // Streamed through a read callback; memory does not grow with the message.
                ExampleSettings.Report(client.Forward(input, size, new MailAddress(ExampleSettings.From).Address, ExampleSettings.To));
            }
            return 0;
        }
        catch (Exception e) when (e is MissiveException || e is System.IO.IOException || e is FormatException)
        {
            Console.Error.WriteLine("forward failed: " + e.Message);
            return 1;
        }
    }
}
