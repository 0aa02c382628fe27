// Send an HTML message (IsBodyHtml, as with System.Net.Mail).
using System;
using Missive;

static class SendHtml
{
    static int Main()
    {
        try
        {
            using (var client = ExampleSettings.CreateClient())
            using (var message = new MailMessage())
            {
                message.From = new MailAddress(ExampleSettings.From);
                message.To.Add(ExampleSettings.To);
                message.Subject = "An HTML message from missive";
                message.IsBodyHtml = true;
                message.Body = "<html><body><h1>Hello</h1><p>This message is <b>HTML</b>.</p></body></html>";
                ExampleSettings.Report(client.Send(message));
            }
            return 0;
        }
        catch (Exception e) when (e is MissiveException || e is System.IO.IOException || e is FormatException)
        {
            Console.Error.WriteLine("send failed: " + e.Message);
            return 1;
        }
    }
}
