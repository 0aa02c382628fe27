// Send a plain-text message synchronously.
using System;
using Missive;

static class SendMessage
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
                message.Subject = "Sending email with missive";
                message.Body = "Hello,\n\nThis message was sent with missive from C#.\n";
                ExampleSettings.Report(client.Send(message));
            }
            return 0;
        }
        catch (SmtpFailedRecipientsException e)
        {
            foreach (var f in e.InnerExceptions) Console.Error.WriteLine("refused: " + f.Rejection.Reply);
            return 1;
        }
        catch (Exception e) when (e is MissiveException || e is System.IO.IOException || e is FormatException)
        {
            Console.Error.WriteLine("send failed: " + e.Message);
            return 1;
        }
    }
}
