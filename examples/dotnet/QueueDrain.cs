// Deliver the durable queue (MISSIVE_QUEUE_URL, as for QueueEnqueue) to MISSIVE_SMTP_URL until
// it is empty or MISSIVE_DRAIN_SECONDS (default 60) pass, then print one last line
// `delivered N deferred N dead N remaining N`. On a PostgreSQL queue any number of drainers
// work at once, each message claimed by one of them under a lease (MISSIVE_QUEUE_LEASE_SECONDS,
// default 30); on a file queue a second drainer waits for the first. A database that goes
// away is reported, and the drainer waits for it.
using System;
using System.Globalization;
using System.Threading;
using Missive;

static class QueueDrain
{
    static int Main()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("MISSIVE_SMTP_URL")))
        {
            Console.Error.WriteLine("set MISSIVE_SMTP_URL, e.g. smtp+starttls://user:pass@host:587");
            return 1;
        }
        var deadline = DateTime.UtcNow.AddSeconds(double.Parse(ExampleSettings.Env("MISSIVE_DRAIN_SECONDS", "60"), CultureInfo.InvariantCulture));
        int delivered = 0, deferred = 0, dead = 0, remaining = 0;
        using (var client = ExampleSettings.CreateClient())
        {
            ExampleSettings.SetQueue(client);
            var lease = Environment.GetEnvironmentVariable("MISSIVE_QUEUE_LEASE_SECONDS");
            if (!string.IsNullOrEmpty(lease))
                client.QueueLease = TimeSpan.FromSeconds(double.Parse(lease, CultureInfo.InvariantCulture));
            while (DateTime.UtcNow < deadline)
            {
                QueueDrainCounts c;
                try { c = client.DrainQueue(0, deadline - DateTime.UtcNow); }
                catch (MissiveException e) when (e.Result == MissiveResult.QueueBusy)
                {
                    Thread.Sleep(200); // a file queue drains one at a time: wait for the other
                    continue;
                }
                catch (MissiveException e) when (e.Result == MissiveResult.QueueDatabaseUnavailable
                                                 || e.Result == MissiveResult.QueueServerUnavailable)
                {
                    Console.Error.WriteLine("waiting: " + e.Message);
                    Thread.Sleep(1000);
                    continue;
                }
                delivered += c.Delivered; deferred += c.Deferred; dead += c.DeadLettered;
                if (c.Delivered + c.Deferred + c.DeadLettered > 0) continue; // more may be due
                var st = client.GetQueueState();
                if (st.Queued + st.InFlight == 0) break;
                Thread.Sleep(200);
            }
            var end = client.GetQueueState();
            remaining = end.Queued + end.InFlight;
        }
        Console.WriteLine("delivered " + delivered + " deferred " + deferred + " dead " + dead + " remaining " + remaining);
        return 0;
    }
}
