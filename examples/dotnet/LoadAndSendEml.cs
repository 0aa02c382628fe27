// Load an .eml file and send it as it is (to the recipients its headers name). An unchanged
// loaded message is delivered as its original bytes, less any Bcc: header.
//   mono LoadAndSendEml.exe MESSAGE.eml
using System;
using Missive;

static class LoadAndSendEml
{
    static int Main(string[] args)
    {
        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: LoadAndSendEml MESSAGE.eml");
            return 2;
        }
        try
        {
            using (var client = ExampleSettings.CreateClient())
            using (var message = MailMessage.Load(args[0]))
            {
                Console.WriteLine("loaded \"" + message.Subject + "\" for " + message.To);
                ExampleSettings.Report(client.Send(message));
            }
            return 0;
        }
        catch (Exception e) when (e is MissiveException || e is System.IO.IOException || e is FormatException)
        {
            Console.Error.WriteLine("failed: " + e.Message);
            return 1;
        }
    }
}
