// Send a collection of messages (MISSIVE_COUNT, default 10) and print one outcome per message.
using System;
using Missive;

static class SendBulk
{
    static int Main()
    {
        int count = ExampleSettings.Count(10);
        using (var client = ExampleSettings.CreateClient())
        using (var batch = new MailMessageCollection())
        {
            for (int i = 1; i <= count; i++)
            {
                using (var m = new MailMessage(ExampleSettings.From, ExampleSettings.To,
                    "Bulk message " + i + " of " + count, "This is message " + i + ".\n"))
                    batch.Add(m); // a copy
            }
            // Each message's outcome; SmtpBulkException only when none could be attempted.
            BulkResult outcomes;
            try { outcomes = client.Send(batch); }
            catch (SmtpBulkException e) { Console.Error.WriteLine(e.Message); return 1; }
            for (int i = 0; i < outcomes.Items.Count; i++)
            {
                var item = outcomes.Items[i];
                Console.WriteLine("message " + (i + 1) + ": " + item.Status +
                    (item.Error.Length > 0 ? " (" + item.Error + ")" : " " + item.SendResult?.ReplyText));
            }
            Console.WriteLine(outcomes.Sent + " sent, " + outcomes.Failed + " failed");
            return outcomes.Result == MissiveResult.Ok ? 0 : 1;
        }
    }
}
