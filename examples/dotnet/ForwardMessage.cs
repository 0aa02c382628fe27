// Load an .eml and forward it to new recipients (MISSIVE_TO), in one of three modes:
//   mono ForwardMessage.exe FILE.eml [redirect|resend|attach]
// Redirect keeps the bytes (DKIM survives); Resend adds a Resent-* block; Attach sends a new
// "Fwd:" message with the original attached. MISSIVE_FROM is the forwarding address.
using System;
using Missive;

static class ForwardMessage
{
    static int Main(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: ForwardMessage FILE.eml [redirect|resend|attach]");
            return 2;
        }
        var mode = ForwardMode.Redirect;
        if (args.Length > 1 && args[1] == "resend") mode = ForwardMode.Resend;
        if (args.Length > 1 && args[1] == "attach") mode = ForwardMode.Attach;
        try
        {
            using (var client = ExampleSettings.CreateClient())
            using (var original = MailMessage.Load(args[0]))
            {
                client.ForwardSender = ExampleSettings.From;
                ExampleSettings.Report(client.Forward(original, mode, ExampleSettings.To));
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
