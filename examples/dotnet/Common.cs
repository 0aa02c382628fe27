// Shared by the examples: where to send, from the environment.
//   MISSIVE_SMTP_URL  e.g. smtp+starttls://me%40example.com:app-password@smtp.example.com:587
//                     (without it, messages go into the pickup directory ./outbox, or
//                     $MISSIVE_PICKUP_DIR, as .eml files)
//   MISSIVE_PROXY_URL  e.g. socks5://user:pass@proxy.example.com:1080, socks4a://host:1080 or
//                      http://user:pass@proxy.example.com:3128: reach the server through it
//   MISSIVE_FROM, MISSIVE_TO  the sender and the recipient(s)
using System;
using Missive;

static class ExampleSettings
{
    public static string From => Env("MISSIVE_FROM", "Sender Name <sender@example.com>");
    public static string To => Env("MISSIVE_TO", "receiver@example.com");
    public static int Count(int fallback) => int.Parse(Env("MISSIVE_COUNT", fallback.ToString()));
    public static int Connections => int.Parse(Env("MISSIVE_CONNECTIONS", "4"));

    public static SmtpClient CreateClient()
    {
        var url = Environment.GetEnvironmentVariable("MISSIVE_SMTP_URL");
        if (!string.IsNullOrEmpty(url))
        {
            var client = SmtpClient.FromUrl(url);
            var proxy = Environment.GetEnvironmentVariable("MISSIVE_PROXY_URL");
            if (!string.IsNullOrEmpty(proxy)) client.Proxy = proxy;
            return client;
        }
        // The seed's style: new SmtpClient(host, port, username, password, SecurityOptions)
        // for a real server; here, a pickup directory.
        return new SmtpClient
        {
            DeliveryMethod = SmtpDeliveryMethod.PickupDirectory,
            PickupDirectoryLocation = Env("MISSIVE_PICKUP_DIR", "outbox"),
        };
    }

    /// <summary>The durable queue from MISSIVE_QUEUE_URL (default ./queue): a URL
    /// (file:///absolute/path, postgres://user:pass@host:5432/db?schema=missive) or a directory.</summary>
    public static void SetQueue(SmtpClient client)
    {
        var q = Env("MISSIVE_QUEUE_URL", "./queue");
        if (q.Contains("://")) client.QueueUrl = q;
        else client.QueueDirectory = q;
    }

    public static void Report(SendResult r)
    {
        if (r.PickupPath != null) Console.WriteLine("delivered into the pickup directory: " + r.PickupPath);
        else Console.WriteLine("sent over SMTP: " + r.ReplyCode + " " + r.ReplyText);
    }

    public static string Env(string name, string fallback)
    {
        var v = Environment.GetEnvironmentVariable(name);
        return string.IsNullOrEmpty(v) ? fallback : v;
    }
}
