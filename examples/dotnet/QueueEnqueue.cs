// Put MISSIVE_COUNT messages (default 10) into the durable queue named by MISSIVE_QUEUE_URL
// (default ./queue; file:///absolute/path or postgres://user:pass@host:5432/db?schema=missive)
// and print each one's Message-ID on a line of its own. Nothing is sent: QueueDrain delivers
// them. Enqueues are idempotent per Message-ID.
using System;
using Missive;

static class QueueEnqueue
{
    static int Main()
    {
        int count = ExampleSettings.Count(10);
        using (var client = new SmtpClient())
        {
            ExampleSettings.SetQueue(client);
            client.QueueIdempotent = true;
            for (int i = 1; i <= count; i++)
            {
                using (var m = new MailMessage(ExampleSettings.From, ExampleSettings.To,
                    "Queued message " + i + " of " + count, "Queued with missive, delivered by a drainer.\n"))
                {
                    string id = m.MessageId; // given now: the one it is queued and sent with
                    client.Enqueue(m);
                    Console.WriteLine(id);
                }
            }
        }
        return 0;
    }
}
