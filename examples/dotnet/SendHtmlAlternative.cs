// An HTML message with a plain-text alternative, sent in bulk: one message per recipient
// (MISSIVE_TO is a comma-separated list), delivered together as a MailMessageCollection,
// asynchronously. The HTML is the Body (IsBodyHtml) and the plain text an alternate view, in
// that order; the message still puts text/plain first in its multipart/alternative
// (RFC 2046 5.1.4: the richest version last).
using System;
using System.Threading;
using Missive;

static class SendHtmlAlternative
{
    static int Main()
    {
        try
        {
            using (var client = ExampleSettings.CreateClient())
            using (var batch = new MailMessageCollection())
            {
                foreach (var to in ExampleSettings.To.Split(','))
                {
                    using (var message = new MailMessage())
                    {
                        message.From = new MailAddress(ExampleSettings.From);
                        message.To.Add(to.Trim());
                        message.Subject = "Our newsletter";
                        // An HTML body plus a plain-text alternate view: multipart/alternative.
                        // (Body with the plain text and HtmlBody with the HTML make the same.)
                        message.Body = "<html><body><p>Hello,</p><p>This is the <b>HTML</b> version of the newsletter.</p></body></html>";
                        message.IsBodyHtml = true;
                        message.AlternateViews.Add(AlternateView.CreateAlternateViewFromString(
                            "Hello,\n\nThis is the plain-text version of the newsletter.\n", null, "text/plain"));
                        batch.Add(message); // a copy
                    }
                }
                using (var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
                {
                    // Each message's outcome (a partial failure is in the result, not thrown).
                    BulkResult outcomes = client.SendAsync(batch, cts.Token).GetAwaiter().GetResult();
                    Console.WriteLine("delivered " + outcomes.Sent + " of " + outcomes.Items.Count + " messages");
                    foreach (var item in outcomes.Items)
                        if (item.Error.Length > 0) Console.Error.WriteLine("  " + item.Error);
                    return outcomes.Result == MissiveResult.Ok ? 0 : 1;
                }
            }
        }
        catch (SmtpBulkException e) // no message could be attempted
        {
            Console.Error.WriteLine("bulk send failed: " + e.Message);
            return 1;
        }
        catch (Exception e) when (e is MissiveException || e is System.IO.IOException || e is FormatException)
        {
            Console.Error.WriteLine("send failed: " + e.Message);
            return 1;
        }
    }
}
