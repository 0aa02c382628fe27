// Send a collection over several connections at once (MISSIVE_CONNECTIONS, default 4), in the
// background, with a progress callback; MISSIVE_COUNT messages (default 100).
using System;
using System.Threading;
using Missive;

static class SendMultiConnection
{
    static int Main()
    {
        int count = ExampleSettings.Count(100);
        using (var client = ExampleSettings.CreateClient())
        using (var batch = new MailMessageCollection())
        {
            client.UseMultiConnection = true;
            client.ConnectionsQuantity = ExampleSettings.Connections;
            client.SetRetryPolicy(3, false);
            client.Progress = p => { Console.WriteLine("progress: " + p.Done + "/" + p.Total); return true; };
            for (int i = 1; i <= count; i++)
                using (var m = new MailMessage(ExampleSettings.From, ExampleSettings.To, "Message " + i + " of " + count, "Hello.\n"))
                    batch.Add(m);
            try
            {
                using (var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
                {
                    var outcomes = client.SendAsync(batch, cts.Token).GetAwaiter().GetResult();
                    Console.WriteLine(outcomes.Sent + " sent on " + client.ConnectionsQuantity + " connections");
                    return outcomes.Result == MissiveResult.Ok ? 0 : 1;
                }
            }
            catch (SmtpBulkException e) // no message could be attempted
            {
                Console.Error.WriteLine(e.Message);
                return 1;
            }
        }
    }
}
