// Send a message as Outlook does: TNEF (a winmail.dat part carrying body and attachments).
using System;
using System.Text;
using Missive;

static class SendTnef
{
    static int Main()
    {
        try
        {
            using (var client = ExampleSettings.CreateClient())
            using (var message = new MailMessage(ExampleSettings.From, ExampleSettings.To))
            {
                message.Subject = "Quarterly report (TNEF)";
                message.Body = "The report is attached.\n";
                message.HtmlBody = "<p>The report is <b>attached</b>.</p>";
                message.Attachments.Add(new Attachment(Encoding.UTF8.GetBytes("q1,q2\n1,2\n"), "report.csv", "text/csv"));
                client.UseTnef = true; // or message.UseTnef = true for this message only
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
