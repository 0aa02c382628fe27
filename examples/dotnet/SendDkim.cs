// Send a DKIM-signed message with one-click unsubscribe (RFC 8058). The key comes from
// MISSIVE_DKIM_KEY (a PEM file), MISSIVE_DKIM_DOMAIN and MISSIVE_DKIM_SELECTOR
// (MISSIVE_DKIM_ALGORITHM: rsa-sha256, the default, or ed25519-sha256).
using System;
using Missive;

static class SendDkim
{
    static int Main()
    {
        var key = Environment.GetEnvironmentVariable("MISSIVE_DKIM_KEY");
        var domain = Environment.GetEnvironmentVariable("MISSIVE_DKIM_DOMAIN");
        var selector = Environment.GetEnvironmentVariable("MISSIVE_DKIM_SELECTOR");
        var algorithm = Environment.GetEnvironmentVariable("MISSIVE_DKIM_ALGORITHM") ?? "rsa-sha256";
        if (string.IsNullOrEmpty(key) || string.IsNullOrEmpty(domain) || string.IsNullOrEmpty(selector))
        {
            Console.Error.WriteLine("set MISSIVE_DKIM_KEY (a PEM private key file), MISSIVE_DKIM_DOMAIN and MISSIVE_DKIM_SELECTOR");
            return 2;
        }
        try
        {
            using (var client = ExampleSettings.CreateClient())
            using (var message = new MailMessage())
            {
                client.AddDkimSignerFile(domain, selector, key,
                    algorithm == "ed25519-sha256" ? DkimAlgorithm.Ed25519Sha256 : DkimAlgorithm.RsaSha256);
                message.From = new MailAddress(ExampleSettings.From);
                message.To.Add(ExampleSettings.To);
                message.Subject = "A signed newsletter";
                message.Body = "Hello,\n\nThis message is DKIM-signed (from C#).\n";
                message.SetListUnsubscribe("https://example.com/unsubscribe?u=1", "unsubscribe@example.com", true);
                ExampleSettings.Report(client.Send(message));
            }
            return 0;
        }
        catch (MissiveException e)
        {
            Console.Error.WriteLine("send failed: " + e.Message);
            return 1;
        }
    }
}
