// NUnit tests of the .NET binding, run by CTest under Mono against the real aiosmtpd server of
// the "smtp_server" fixture ($MISSIVE_SMTP_FIXTURE_DIR holds `port` and `maildir`; message n is
// stored as maildir/msg-<n>.env and .eml and acknowledged "queued as Q<n>"). Recipients
// starting with "reject" are refused with 550.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Missive;
using NUnit.Framework;

namespace Missive.Tests
{
    static class Fixture
    {
        public static string Dir
        {
            get
            {
                var d = Environment.GetEnvironmentVariable("MISSIVE_SMTP_FIXTURE_DIR");
                if (string.IsNullOrEmpty(d) || !File.Exists(Path.Combine(d, "port")))
                    Assert.Fail("no SMTP fixture: MISSIVE_SMTP_FIXTURE_DIR must name a running smtp_fixture.py directory (CTest sets it)");
                return d;
            }
        }
        public static int Port => int.Parse(File.ReadAllText(Path.Combine(Dir, "port")).Trim());
        public static string MailDir => File.ReadAllText(Path.Combine(Dir, "maildir")).Trim();

        public static SmtpClient Client()
        {
            var c = new SmtpClient("127.0.0.1", Port, null, null, SecurityOptions.None);
            c.ConnectTimeout = 5000;
            c.Timeout = 20000;
            return c;
        }

        // The stored file of a send result's queue id "Q<n>".
        public static string Arrived(SendResult r, string ext)
        {
            Assert.IsNotNull(r.QueueId, "no queue id in the reply");
            return File.ReadAllText(Path.Combine(MailDir, "msg-" + r.QueueId.Substring(1) + ext));
        }

        public static MailMessage Simple(string subject, string to) =>
            new MailMessage("Sender <sender@example.com>", to, subject, "Hello from the .NET tests.\n");

        public static long Rss()
        {
            var statm = File.ReadAllText("/proc/self/statm").Split(' ');
            return long.Parse(statm[1]) * 4096;
        }
    }

    // A real STARTTLS server with AUTH (tests/support/smtp/aiosmtpd_server.py, named by
    // $MISSIVE_AIOSMTPD_SERVER), its own CA and one user alice:wonderland; killed on Dispose.
    sealed class TlsServer : IDisposable
    {
        readonly System.Diagnostics.Process process;
        readonly string dir;
        public int Port { get; }
        public string CaFile => Path.Combine(dir, "ca.pem");
        public string MailDir => Path.Combine(dir, "mail");

        public TlsServer()
        {
            var script = Environment.GetEnvironmentVariable("MISSIVE_AIOSMTPD_SERVER");
            if (string.IsNullOrEmpty(script) || !File.Exists(script))
                Assert.Fail("MISSIVE_AIOSMTPD_SERVER must name tests/support/smtp/aiosmtpd_server.py (CTest sets it)");
            var python = Environment.GetEnvironmentVariable("MISSIVE_TEST_PYTHON") ?? "python3";
            dir = Path.Combine(Path.GetTempPath(), "missive-net-tls-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(MailDir);
            using (var gen = System.Diagnostics.Process.Start(python, "\"" + script + "\" --gen-certs \"" + dir + "\""))
                gen.WaitForExit();
            var psi = new System.Diagnostics.ProcessStartInfo(python,
                "\"" + script + "\" --dir \"" + MailDir + "\" --starttls \"" + Path.Combine(dir, "server.pem") +
                "\" \"" + Path.Combine(dir, "server.key") + "\" --user alice:wonderland")
            { UseShellExecute = false, RedirectStandardOutput = true };
            process = System.Diagnostics.Process.Start(psi);
            var line = process.StandardOutput.ReadLine() ?? "";
            if (!line.StartsWith("PORT ")) { Dispose(); Assert.Fail("the TLS server did not start: " + line); }
            Port = int.Parse(line.Substring(5));
        }

        public void Dispose()
        {
            try { if (!process.HasExited) process.Kill(); process.WaitForExit(); } catch (Exception) { }
            process.Dispose();
            try { Directory.Delete(dir, true); } catch (Exception) { }
        }
    }

    [TestFixture]
    public class MessageTests
    {
        [Test]
        public void Version() => Assert.AreEqual("0.1.0".Split('.')[0], MissiveLibrary.Version.Split('.')[0]);

        [Test]
        public void PropertiesRoundTrip()
        {
            using (var m = new MailMessage())
            {
                m.From = new MailAddress("sender@example.com", "Last, First");
                m.Sender = new MailAddress("bounce@example.com");
                m.To.Add("to-a@example.com, B <b@example.com>");
                m.CC.Add(new MailAddress("cc-c@example.com"));
                m.Bcc.Add("bcc-d@example.com");
                m.ReplyToList.Add("r@example.com");
                m.Subject = "Grüße";
                m.Body = "plain";
                m.HtmlBody = "<p>html</p>";
                Assert.AreEqual("Last, First", m.From.DisplayName);
                Assert.AreEqual("sender@example.com", m.From.Address);
                Assert.AreEqual(2, m.To.Count);
                Assert.AreEqual("Grüße", m.Subject);
                Assert.AreEqual("plain", m.Body);
                Assert.AreEqual("<p>html</p>", m.HtmlBody);
                Assert.IsTrue(m.IsBodyHtml);
                m.IsBodyHtml = false;
                Assert.IsFalse(m.IsBodyHtml);
                m.To.RemoveAt(0);
                m.Cc.Clear();
                m.AlternateViews.Add(AlternateView.CreateAlternateViewFromString("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", Encoding.UTF8, "text/calendar; method=REQUEST"));
                m.Attachments.Add(new Attachment(new byte[] { 0, 1, 2 }, "data.bin"));
                m.LinkedResources.Add(new LinkedResource(Encoding.ASCII.GetBytes("PNG"), "logo@x", "image/png", "logo.png"));
                Assert.AreEqual("application/octet-stream", m.Attachments[0].MediaType);
                m.AddHeader("X-Campaign", "spring");
                Assert.AreEqual("spring", m.GetHeader("x-campaign"));
                Assert.IsNull(m.GetHeader("X-Missing"));
                m.Priority = MailPriority.High;
                m.Date = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.FromHours(1));
                m.MessageId = "abc@example.com";
                Assert.AreEqual("abc@example.com", m.MessageId);
                m.SetDeliveryNotification(DeliveryNotificationOptions.OnSuccess | DeliveryNotificationOptions.OnFailure, DeliveryNotificationReturn.Headers, "env-1");
                Assert.IsFalse(m.NeedsSmtpUtf8);
                Assert.Throws<NotSupportedException>(() => m.Attachments.RemoveAt(0));

                var eml = Encoding.UTF8.GetString(m.ToBytes());
                StringAssert.Contains("X-Campaign: spring", eml);
                StringAssert.Contains("X-Priority: 1", eml);
                StringAssert.DoesNotContain("to-a@example.com", eml);
                StringAssert.DoesNotContain("cc-c@example.com", eml);
                StringAssert.DoesNotContain("bcc-d@example.com", eml);

                using (var copy = m.Clone())
                using (var loaded = MailMessage.Load(m.ToBytes()))
                {
                    Assert.AreEqual("Grüße", copy.Subject);
                    Assert.AreEqual("Grüße", loaded.Subject);
                    Assert.AreEqual(1, loaded.To.Count);
                    Assert.AreEqual("b@example.com", loaded.To[0].Address);
                    Assert.AreEqual(1, loaded.Attachments.Count);
                    Assert.AreEqual(new byte[] { 0, 1, 2 }, loaded.Attachments[0].Content);
                    Assert.AreEqual(1, loaded.AlternateViews.Count);
                    StringAssert.StartsWith("text/calendar", loaded.AlternateViews[0].MediaType);
                    CollectionAssert.AreEqual(m.ToBytes(), loaded.ToBytes());
                }
            }
        }

        [Test]
        public void SaveLoadFiles()
        {
            var dir = Path.Combine(Path.GetTempPath(), "missive-dotnet-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                var path = Path.Combine(dir, "m.eml");
                using (var m = Fixture.Simple("Saved", "x@example.com"))
                {
                    var notes = Path.Combine(dir, "notes.txt");
                    File.WriteAllText(notes, "notes");
                    m.Attachments.Add(new Attachment(notes));
                    Assert.AreEqual("text/plain", m.Attachments[0].MediaType);
                    Assert.AreEqual("notes", Encoding.ASCII.GetString(m.Attachments[0].Content));
                    m.Save(path);
                }
                using (var loaded = MailMessage.Load(path))
                using (var ms = new MemoryStream())
                {
                    Assert.AreEqual("Saved", loaded.Subject);
                    loaded.Save(ms);
                    CollectionAssert.AreEqual(File.ReadAllBytes(path), ms.ToArray());
                }
                var missing = Path.Combine(dir, "missing.eml");
                var e = Assert.Throws<FileNotFoundException>(() => MailMessage.Load(missing));
                Assert.AreEqual(missing, e.FileName);
                Assert.AreEqual(MissiveResult.FileNotFound, e.Data["MissiveResult"]);
                // The library's sentence, passed through: the path once, no "(os error 2)".
                Assert.AreEqual("cannot open " + missing + ": no such file or directory", e.Message);
            }
            finally { Directory.Delete(dir, true); }
        }

        [Test]
        public void ErrorsCarryCodeAndText()
        {
            using (var m = new MailMessage())
            {
                var e = Assert.Throws<FormatException>(() => m.To.Add(new MailAddress("bad\r\nBcc: evil@example.com")));
                Assert.AreEqual(MissiveResult.InvalidAddress, e.Data["MissiveResult"]);
                Assert.IsNotEmpty(e.Message);
                Assert.AreEqual(0, m.To.Count, "a refused address is not kept");
                var h = Assert.Throws<MissiveException>(() => m.AddHeader("Subject", "x"));
                Assert.AreEqual(MissiveResult.InvalidHeader, h.Result);
            }
            using (var c = new SmtpClient())
            {
                var e = Assert.Throws<MissiveException>(() => c.Host = "bad host");
                Assert.AreEqual(MissiveResult.InvalidArgument, e.Result);
                Assert.AreEqual(c.LastError, e.Detail);
            }
        }

        // A multipart/mixed whose closing "--BOUNDARY--" line never comes.
        const string UnclosedEml =
            "From: Alice <alice@example.com>\r\n" +
            "To: bob@example.com\r\n" +
            "Subject: Unclosed\r\n" +
            "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n" +
            "Message-ID: <unclosed@example.com>\r\n" +
            "MIME-Version: 1.0\r\n" +
            "Content-Type: multipart/mixed; boundary=\"BOUNDARY\"\r\n" +
            "\r\n" +
            "--BOUNDARY\r\n" +
            "Content-Type: text/plain; charset=utf-8\r\n" +
            "\r\n" +
            "The first part.\r\n" +
            "--BOUNDARY\r\n" +
            "Content-Type: text/plain; charset=utf-8\r\n" +
            "\r\n" +
            "The second part, and then the data ends.\r\n";

        // `levels` nested multipart/mixed entities (each closed) around one text part.
        static byte[] NestedEml(int levels)
        {
            var sb = new StringBuilder("From: a@example.com\r\nTo: b@example.com\r\nSubject: deep\r\nMIME-Version: 1.0\r\n");
            for (int i = 0; i < levels; i++)
                sb.Append("Content-Type: multipart/mixed; boundary=\"b" + i + "\"\r\n\r\n--b" + i + "\r\n");
            sb.Append("Content-Type: text/plain\r\n\r\nleaf\r\n");
            for (int i = levels - 1; i >= 0; i--) sb.Append("--b" + i + "--\r\n");
            return Encoding.ASCII.GetBytes(sb.ToString());
        }

        // A loaded message with folded, encoded and oddly spaced fields, a preamble and an epilogue.
        const string EditEml =
            "Return-Path: <alice@example.com>\r\n" +
            "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=sel;\r\n" +
            "\th=from:to:subject:date:message-id;\r\n" +
            "\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=dGVzdA==\r\n" +
            "From: \"Alice Example\" <alice@example.com>\r\n" +
            "To: Bob <bob@example.com>,\r\n" +
            "  carol@example.org\r\n" +
            "Cc: dave@example.net\r\n" +
            "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=  and two  spaces\r\n" +
            "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n" +
            "Message-ID: <edit-keeps-bytes@example.com>\r\n" +
            "X-Odd-Spacing:    value   with spaces\r\n" +
            "MIME-Version: 1.0\r\n" +
            "Content-Type: multipart/alternative; boundary=\"ALT\"\r\n" +
            "\r\n" +
            "This is the preamble.\r\n" +
            "--ALT\r\n" +
            "Content-Type: text/plain; charset=utf-8\r\n" +
            "Content-Transfer-Encoding: quoted-printable\r\n" +
            "\r\n" +
            "Gr=C3=BC=C3=9Fe, Bob.\r\n" +
            "--ALT\r\n" +
            "Content-Type: text/html; charset=utf-8\r\n" +
            "Content-Transfer-Encoding: base64\r\n" +
            "\r\n" +
            "PHA+R3LDvMOfZSwgQm9iLjwvcD4=\r\n" +
            "--ALT--\r\n" +
            "The epilogue.\r\n";

        [Test]
        public void StrictLoadingAndWarnings()
        {
            var unclosed = Encoding.ASCII.GetBytes(UnclosedEml);
            using (var composed = new MailMessage())
                Assert.IsEmpty(composed.LoadWarnings);
            // Lenient (the default): it loads, with one warning naming the missing line.
            using (var m = MailMessage.Load(unclosed))
            {
                Assert.AreEqual("Unclosed", m.Subject);
                Assert.AreEqual(1, m.LoadWarnings.Count, string.Join("\n", m.LoadWarnings));
                StringAssert.Contains("--BOUNDARY--", m.LoadWarnings[0]);
                CollectionAssert.AreEqual(unclosed, m.ToBytes());
            }
            // Strict: refused with TruncatedEml (no message is made), from bytes, a stream or a file.
            var e = Assert.Throws<MissiveException>(() => MailMessage.Load(unclosed, true));
            Assert.AreEqual(MissiveResult.TruncatedEml, e.Result);
            StringAssert.Contains("--BOUNDARY--", e.Detail);
            using (var ms = new MemoryStream(unclosed))
                Assert.AreEqual(MissiveResult.TruncatedEml, Assert.Throws<MissiveException>(() => MailMessage.Load(ms, true)).Result);
            var path = Path.Combine(Path.GetTempPath(), "missive-dotnet-unclosed-" + Guid.NewGuid().ToString("N") + ".eml");
            try
            {
                File.WriteAllBytes(path, unclosed);
                Assert.AreEqual(MissiveResult.TruncatedEml, Assert.Throws<MissiveException>(() => MailMessage.Load(path, true)).Result);
                using (var m = MailMessage.Load(path, false))
                    StringAssert.Contains("--BOUNDARY--", m.LoadWarnings[0]);
            }
            finally { File.Delete(path); }
            var prose = Encoding.ASCII.GetBytes("From: a@example.com\r\nSubject: prose\r\nsome prose\r\n\r\nbody\r\n");
            Assert.AreEqual(MissiveResult.MalformedEml, Assert.Throws<MissiveException>(() => MailMessage.Load(prose, true)).Result);
            using (var m = MailMessage.Load(prose))
                StringAssert.Contains("line 3", m.LoadWarnings[0]);
            // A clean message loads strictly, without warnings.
            using (var m = MailMessage.Load(Encoding.ASCII.GetBytes("From: a@example.com\r\nSubject: clean\r\n\r\nbody\r\n"), true))
            {
                Assert.AreEqual("clean", m.Subject);
                Assert.IsEmpty(m.LoadWarnings);
            }
        }

        [Test]
        public void TooComplexIsRefused()
        {
            var e = Assert.Throws<MissiveException>(() => MailMessage.Load(NestedEml(150)));
            Assert.AreEqual(MissiveResult.MessageTooComplex, e.Result);
            StringAssert.Contains("100", e.Detail);
            Assert.AreEqual(305, (int)MissiveResult.MessageTooComplex);
            Assert.AreEqual("the message nests too deep or has too many parts", MissiveLibrary.Describe(MissiveResult.MessageTooComplex));
            using (var m = MailMessage.Load(NestedEml(50)))
                Assert.AreEqual("leaf", m.Body);
        }

        [Test]
        public void EditKeepsOtherBytes()
        {
            var input = Encoding.ASCII.GetBytes(EditEml);
            int to = EditEml.IndexOf("\r\nTo:", StringComparison.Ordinal) + 2;
            int toEnd = EditEml.IndexOf("\r\nCc:", StringComparison.Ordinal) + 2;
            int suffix = input.Length - toEnd;
            using (var m = MailMessage.Load(input))
            {
                m.To.Add("erin@example.com");
                var output = m.ToBytes();
                var text = Encoding.UTF8.GetString(output);
                Assert.Greater(output.Length, to + suffix, text);
                // Every byte before and after the To field is the input's.
                CollectionAssert.AreEqual(input.Take(to).ToArray(), output.Take(to).ToArray(), text);
                CollectionAssert.AreEqual(input.Skip(toEnd).ToArray(), output.Skip(output.Length - suffix).ToArray(), text);
                var field = text.Substring(to, output.Length - suffix - to);
                StringAssert.StartsWith("To:", field);
                foreach (var a in new[] { "bob@example.com", "carol@example.org", "erin@example.com" })
                    StringAssert.Contains(a, field);
                using (var again = MailMessage.Load(output))
                    Assert.AreEqual(3, again.To.Count);
            }
        }

        [Test]
        public void DisposeTwiceAndUseAfterDispose()
        {
            var m = new MailMessage();
            var c = new SmtpClient();
            var coll = new MailMessageCollection();
            m.Dispose(); m.Dispose();
            c.Dispose(); c.Dispose();
            coll.Dispose(); coll.Dispose();
            Assert.Throws<ObjectDisposedException>(() => { var s = m.Subject; });
            Assert.Throws<ObjectDisposedException>(() => c.Host = "x");
            Assert.Throws<ObjectDisposedException>(() => { var n = coll.Count; });
        }

        [Test]
        public void ThousandCyclesDoNotGrowMemory()
        {
            var attachment = new byte[8192];
            Action cycle = () =>
            {
                using (var c = new SmtpClient("localhost", 25))
                using (var m = Fixture.Simple("cycle", "c@example.com"))
                using (var coll = new MailMessageCollection())
                using (var a = new Appointment())
                {
                    a.Summary = "cycle";
                    m.Attachments.Add(new Attachment(attachment, "a.bin"));
                    coll.Add(m);
                    using (var copy = coll[0]) Assert.AreEqual("cycle", copy.Subject);
                }
            };
            // The first 1,000 cycles bring the process to its steady state; the next 1,000 must not grow it.
            for (int i = 0; i < 1000; i++) cycle();
            GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
            long before = Fixture.Rss();
            for (int i = 0; i < 1000; i++) cycle();
            GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
            long growth = Fixture.Rss() - before;
            // A leaked message would hold at least its 8 KiB attachment (twice: the collection's copy).
            Assert.Less(growth, 4L << 20, "RSS grew by " + growth + " bytes over 1000 cycles");
        }
    }

    [TestFixture]
    public class ClientTests
    {
        // A loopback port where nothing listens (bound to port 0, then closed).
        static int FreePort()
        {
            var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            l.Start();
            int port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            return port;
        }

        [Test]
        public void Setters()
        {
            using (var c = new SmtpClient("smtp.example.com", 587, "me", "pw", SecurityOptions.SslExplicit))
            {
                c.OAuth2Token = "tok";
                c.OAuth2Token = null;
                c.AuthenticationMechanism = SmtpAuthenticationMechanism.Plain;
                c.AuthenticationMechanism = SmtpAuthenticationMechanism.ScramSha256;
                c.AuthenticationMechanism = SmtpAuthenticationMechanism.OAuthBearer;
                c.Proxy = "http://user:pass@127.0.0.1:3128";
                c.Proxy = null;
                var bad = Assert.Throws<MissiveException>(() => c.Proxy = "gopher://u:hunter2@h:1");
                Assert.AreEqual(MissiveResult.InvalidArgument, bad.Result);
                StringAssert.DoesNotContain("hunter2", bad.Message);
                c.ClientDomain = "client.example.com";
                c.TrustedCaFile = "/etc/ssl/certs/ca-certificates.crt";
                c.SetClientCertificate(null, null);
                c.MinimumTlsVersion = TlsVersion.Tls13;
                c.DangerousAcceptInvalidCertificates = false;
                c.UsePipelining = true;
                c.UseChunking = true;
                c.RequireAllRecipients = false;
                Assert.Throws<FileNotFoundException>(() => c.SetClientCertificate("cert.pem", null));
                Assert.AreEqual("smtp.example.com", c.Host);
                Assert.AreEqual(587, c.Port);
                Assert.AreEqual(SecurityOptions.SslExplicit, c.SecurityOptions);
                c.Close();
            }
        }

        [Test]
        public void PickupDirectory()
        {
            var dir = Path.Combine(Path.GetTempPath(), "missive-dotnet-pickup-" + Guid.NewGuid().ToString("N"));
            try
            {
                using (var c = new SmtpClient { DeliveryMethod = SmtpDeliveryMethod.PickupDirectory, PickupDirectoryLocation = dir })
                using (var m = Fixture.Simple("Pickup", "p@example.com"))
                {
                    var r = c.Send(m);
                    Assert.IsTrue(r.Delivered);
                    StringAssert.Contains("X-Receiver: p@example.com", File.ReadAllText(r.PickupPath));
                }
            }
            finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
        }

        [Test]
        public void DkimSignedPickupFileVerifies()
        {
            var src = Environment.GetEnvironmentVariable("MISSIVE_SOURCE_DIR");
            Assert.IsNotNull(src, "MISSIVE_SOURCE_DIR (set by CTest) names the source tree");
            var keys = Path.Combine(src, "tests", "fixtures", "dkim");
            var dir = Path.Combine(Path.GetTempPath(), "missive-dotnet-dkim-" + Guid.NewGuid().ToString("N"));
            try
            {
                using (var c = new SmtpClient { DeliveryMethod = SmtpDeliveryMethod.PickupDirectory, PickupDirectoryLocation = dir })
                using (var m = Fixture.Simple("Signed from .NET", "p@example.com"))
                {
                    c.AddDkimSigner("example.com", "rsa8", File.ReadAllBytes(Path.Combine(keys, "rsa-pkcs8.pem")), DkimAlgorithm.RsaSha256);
                    c.AddDkimSignerFile("example.com", "ed", Path.Combine(keys, "ed25519.pem"), DkimAlgorithm.Ed25519Sha256, DkimFlags.HeaderSimple);
                    Assert.AreEqual(2, c.DkimSignerCount);
                    var bad = Assert.Throws<MissiveException>(() => c.AddDkimSigner("example.com", "x", File.ReadAllBytes(Path.Combine(keys, "ec-sec1.pem")), DkimAlgorithm.RsaSha256));
                    Assert.AreEqual(MissiveResult.DkimKeyInvalid, bad.Result);
                    var badUnsub = Assert.Throws<MissiveException>(() => m.SetListUnsubscribe("http://example.com/u", null, true));
                    Assert.AreEqual(MissiveResult.ListUnsubscribeInvalid, badUnsub.Result);
                    m.SetListUnsubscribe("https://example.com/u/3", "unsub@example.com", true);
                    Assert.AreEqual("List-Unsubscribe=One-Click", m.GetHeader("List-Unsubscribe-Post"));
                    var r = c.Send(m);
                    Assert.IsTrue(r.Delivered);
                    var psi = new System.Diagnostics.ProcessStartInfo("python3")
                    {
                        UseShellExecute = false,
                        RedirectStandardOutput = true,
                    };
                    psi.Arguments = "\"" + Path.Combine(src, "tests", "support", "py", "dkim_verify.py") + "\" \"" +
                        Path.Combine(keys, "keys.txt") + "\" \"" + r.PickupPath + "\"";
                    using (var p = System.Diagnostics.Process.Start(psi))
                    {
                        var verdict = p.StandardOutput.ReadToEnd();
                        p.WaitForExit();
                        Assert.AreEqual(0, p.ExitCode, verdict);
                        StringAssert.Contains("\"s\": \"rsa8\"", verdict);
                        StringAssert.Contains("\"s\": \"ed\"", verdict);
                        StringAssert.Contains("\"dkimpy\": true", verdict);
                        StringAssert.Contains("\"opendkim\": true", verdict);
                        StringAssert.DoesNotContain("false", verdict);
                    }
                    c.ClearDkimSigners();
                    Assert.AreEqual(0, c.DkimSignerCount);
                }
            }
            finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
        }

        [Test]
        public void PickupFileKeepsItsEnvelope()
        {
            var dir = Path.Combine(Path.GetTempPath(), "missive-dotnet-pickup-env-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                var input = Path.Combine(dir, "in.pickup");
                File.WriteAllText(input,
                    "X-Sender: desk@example.com\r\nX-Receiver: bob@example.com\r\n" +
                    "X-Receiver: audit@example.net\r\nX-Sender: spoofed@evil.example\r\n" +
                    "X-Receiver: hidden@evil.example\r\nFrom: alice@example.com\r\n" +
                    "To: bob@example.com\r\nSubject: pickup\r\n\r\nbody\r\n");
                using (var m = MailMessage.LoadPickupFile(input))
                using (var c = new SmtpClient { DeliveryMethod = SmtpDeliveryMethod.PickupDirectory, PickupDirectoryLocation = dir })
                {
                    File.Delete(input);
                    Assert.AreEqual("desk@example.com", m.EnvelopeSender);
                    CollectionAssert.AreEqual(new[] { "bob@example.com", "audit@example.net" }, m.EnvelopeRecipients);
                    var r = c.Send(m);
                    var text = File.ReadAllText(r.PickupPath);
                    StringAssert.StartsWith("X-Sender: desk@example.com\r\nX-Receiver: bob@example.com\r\n" +
                        "X-Receiver: audit@example.net\r\nFrom: alice@example.com\r\n", text);
                    StringAssert.DoesNotContain("evil.example", text);
                    m.ClearEnvelope();
                    Assert.IsNull(m.EnvelopeSender);
                    Assert.AreEqual(0, m.EnvelopeRecipients.Count);
                }
                Assert.Throws<FileNotFoundException>(() => MailMessage.LoadPickupFile(Path.Combine(dir, "missing.eml")));
            }
            finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
        }

        [Test]
        public void SendArrives()
        {
            int lines = 0;
            using (var c = Fixture.Client())
            using (var m = Fixture.Simple(".NET send", "to@example.com"))
            {
                c.ProtocolLog = (dir, line) => Interlocked.Increment(ref lines);
                var r = c.Send(m);
                Assert.IsTrue(r.Delivered);
                Assert.AreEqual(250, r.ReplyCode);
                Assert.AreEqual("2.0.0", r.EnhancedStatusCode);
                StringAssert.Contains("queued as", r.ReplyText);
                CollectionAssert.AreEqual(new[] { "to@example.com" }, r.AcceptedRecipients.ToArray());
                Assert.IsEmpty(r.RejectedRecipients);
                Assert.IsFalse(r.IsTransient);
                Assert.IsFalse(r.OutcomeUnknown);
                Assert.IsEmpty(r.Error);
                StringAssert.Contains("Subject: .NET send", Fixture.Arrived(r, ".eml"));
                StringAssert.Contains("RCPT to@example.com", Fixture.Arrived(r, ".env"));
                Assert.Greater(lines, 3);
                c.ProtocolLog = null;
                c.Noop();
                CollectionAssert.Contains(c.GetCapabilities(), "8BITMIME");
                c.Close();
            }
        }

        [Test]
        public async Task SendAsyncArrives()
        {
            using (var c = Fixture.Client())
            using (var m = Fixture.Simple(".NET async", "async@example.com"))
            {
                var r = await c.SendAsync(m, CancellationToken.None);
                StringAssert.Contains("Subject: .NET async", Fixture.Arrived(r, ".eml"));
                using (var coll = new MailMessageCollection())
                {
                    coll.Add(m); coll.Add(m);
                    var bulk = await c.SendAsync(coll);
                    Assert.AreEqual(2, bulk.Sent);
                    StringAssert.Contains("Subject: .NET async", Fixture.Arrived(bulk.Items[1].SendResult, ".eml"));
                }
            }
        }

        [Test]
        public void SendAsyncCancelled()
        {
            using (var c = Fixture.Client())
            using (var m = Fixture.Simple(".NET cancelled", "cancel@example.com"))
            using (var cts = new CancellationTokenSource())
            {
                cts.Cancel();
                var t = c.SendAsync(m, cts.Token);
                var e = Assert.Throws<AggregateException>(() => t.Wait());
                Assert.IsInstanceOf<TaskCanceledException>(e.InnerException);
                Assert.IsTrue(t.IsCanceled);
            }
        }

        // Two threads fail on ONE client at the same time in different ways: one sends to
        // recipients the server refuses (a new one each time), the other, while the first runs,
        // a message without recipients. Each exception's text is its own send's (from its
        // result), never the other's, though the client's LastError holds whichever came last.
        [Test]
        public void ConcurrentFailuresKeepTheirOwnDetail()
        {
            const int rounds = 30;
            int wrong = 0, empties = 0;
            string firstWrong = null;
            var done = new ManualResetEventSlim(false);
            using (var c = Fixture.Client())
            using (var empty = new MailMessage())
            {
                empty.From = new MailAddress("Sender <sender@example.com>");
                empty.Subject = ".NET race, no recipients";
                var refused = new Thread(() =>
                {
                    try
                    {
                        for (int i = 0; i < rounds; i++)
                        {
                            string to = "reject-net" + i + "@example.com";
                            using (var m = Fixture.Simple(".NET race", to))
                            {
                                try { c.Send(m); Interlocked.Increment(ref wrong); }
                                catch (SmtpException e)
                                {
                                    bool own = e.Result == MissiveResult.AllRecipientsRejected &&
                                        e.Detail.Contains(to) && e.SendResult != null &&
                                        e.SendResult.Code == e.Result && e.SendResult.Detail == e.Detail;
                                    if (!own && Interlocked.Increment(ref wrong) == 1) firstWrong = e.Detail;
                                }
                            }
                        }
                    }
                    finally { done.Set(); }
                });
                refused.Start();
                while (!done.IsSet || empties < rounds)
                {
                    empties++;
                    try { c.Send(empty); Interlocked.Increment(ref wrong); }
                    catch (SmtpException e)
                    {
                        if (e.Result != MissiveResult.NoRecipients || e.Detail.Contains("reject-net") ||
                            e.SendResult == null || e.SendResult.Detail != e.Detail)
                            Interlocked.Increment(ref wrong);
                    }
                    catch (MissiveException) { Interlocked.Increment(ref wrong); }
                }
                refused.Join();
            }
            Assert.AreEqual(0, wrong, "first: " + firstWrong);
            Assert.GreaterOrEqual(empties, rounds);
        }

        [Test]
        public void RejectedRecipientIsTyped()
        {
            using (var c = Fixture.Client())
            {
                using (var m = Fixture.Simple(".NET reject", "reject-me@example.com"))
                {
                    var e = Assert.Throws<SmtpFailedRecipientsException>(() => c.Send(m));
                    Assert.AreEqual(MissiveResult.AllRecipientsRejected, e.Result);
                    Assert.AreEqual(SmtpStatusCode.MailboxUnavailable, e.StatusCode);
                    Assert.AreEqual(550, (int)e.StatusCode);
                    Assert.AreEqual("reject-me@example.com", e.FailedRecipient);
                    Assert.AreEqual("reject-me@example.com", e.Rejection.Address);
                    Assert.AreEqual(1, e.InnerExceptions.Length);
                    StringAssert.Contains("5.1.1", e.InnerExceptions[0].Rejection.Reply);
                    Assert.IsFalse(e.SendResult.Delivered);
                    Assert.IsFalse(e.IsTransient);
                }
                using (var m = Fixture.Simple(".NET partial", "ok@example.com"))
                {
                    m.CC.Add("reject-cc@example.com");
                    var e = Assert.Throws<SmtpFailedRecipientsException>(() => c.Send(m));
                    Assert.AreEqual(MissiveResult.SomeRecipientsRejected, e.Result);
                    Assert.IsTrue(e.SendResult.Delivered);
                    StringAssert.DoesNotContain("reject-cc", Fixture.Arrived(e.SendResult, ".env"));
                }
            }
        }

        [Test]
        public async Task RejectedRecipientAsync()
        {
            using (var c = Fixture.Client())
            using (var m = Fixture.Simple(".NET reject async", "reject-async@example.com"))
            {
                try
                {
                    await c.SendAsync(m);
                    Assert.Fail("no exception");
                }
                catch (SmtpFailedRecipientsException e)
                {
                    Assert.AreEqual(SmtpStatusCode.MailboxUnavailable, e.StatusCode);
                }
            }
        }

        [Test]
        public void CollectionAndRaw()
        {
            using (var c = Fixture.Client())
            using (var coll = new MailMessageCollection())
            {
                for (int i = 0; i < 3; i++)
                    using (var m = Fixture.Simple("bulk " + i, "bulk@example.com")) coll.Add(m);
                Assert.AreEqual(3, coll.Count);
                Assert.AreEqual(new[] { "bulk 0", "bulk 1", "bulk 2" }, coll.Select(x => { using (x) return x.Subject; }).ToArray());
                Assert.Throws<ArgumentOutOfRangeException>(() => { var x = coll[3]; });
                Assert.IsEmpty(coll.LastError);
                var all = c.Send(coll);
                Assert.AreEqual(3, all.Sent);
                Assert.AreEqual(MissiveResult.Ok, all.Result);
                StringAssert.Contains("Subject: bulk 1", Fixture.Arrived(all.Items[1].SendResult, ".eml"));
                using (var bad = Fixture.Simple("bulk bad", "reject-bulk@example.com")) coll.Add(bad);
                // A partial failure is the normal report, not an exception.
                var partial = c.Send(coll);
                Assert.AreEqual(MissiveResult.PartialFailure, partial.Result);
                Assert.AreEqual(3, partial.Sent);
                var failed = partial.Items[3];
                Assert.AreEqual(BulkStatus.Failed, failed.Status);
                Assert.AreEqual(MissiveResult.AllRecipientsRejected, failed.Result);
                Assert.IsNotEmpty(failed.Error);
                Assert.AreEqual(550, failed.SendResult.RejectedRecipients[0].ReplyCode);
                // Nothing could be attempted (nothing listens): SmtpBulkException.
                using (var down = new SmtpClient("127.0.0.1", FreePort(), null, null, SecurityOptions.None))
                {
                    var e = Assert.Throws<SmtpBulkException>(() => down.Send(coll));
                    Assert.AreEqual(MissiveResult.ConnectFailed, e.Result);
                    // The reason once, not once per message.
                    StringAssert.StartsWith("none of the " + coll.Count + " messages was delivered: could not connect to 127.0.0.1 port", e.Message);
                    Assert.AreEqual(e.Message.IndexOf("could not connect"), e.Message.LastIndexOf("could not connect"));
                    Assert.AreEqual(0, e.Delivered);
                    Assert.AreEqual(coll.Count, e.BulkResult.Failed);
                }

                var r = c.SendRaw("raw@example.com", "r1@example.com, r2@example.com", Encoding.ASCII.GetBytes("Subject: raw\r\n\r\nraw body\r\n"));
                StringAssert.Contains("raw body", Fixture.Arrived(r, ".eml"));
                Assert.AreEqual(2, r.AcceptedRecipients.Count);
            }
        }

        [Test]
        public async Task MultiConnectionProgressAndCancel()
        {
            using (var c = Fixture.Client())
            using (var coll = new MailMessageCollection())
            using (var m = Fixture.Simple(".NET multi", "multi@example.com"))
            {
                for (int i = 0; i < 5; i++) coll.Add(m);
                int lastDone = 0;
                c.UseMultiConnection = true;
                c.ConnectionsQuantity = 2;
                c.SetRetryPolicy(2, false);
                c.Progress = p => { Interlocked.Exchange(ref lastDone, p.Done); return true; };
                var bulk = await c.SendAsync(coll);
                Assert.AreEqual(5, bulk.Sent);
                Assert.AreEqual(5, lastDone);

                // A progress callback that cancels: the rest is NotAttempted.
                c.UseMultiConnection = false;
                c.Progress = p => false;
                using (var many = new MailMessageCollection())
                {
                    for (int i = 0; i < 150; i++) many.Add(m);
                    var cancelled = c.Send(many); // cancelling is no error
                    Assert.AreEqual(MissiveResult.Cancelled, cancelled.Result);
                    Assert.IsTrue(cancelled.WasCancelled);
                    Assert.Greater(cancelled.NotAttempted, 0);
                    c.Progress = null;
                    // Cancelling the token cancels the native operation.
                    using (var cts = new CancellationTokenSource())
                    {
                        var t = c.SendAsync(many, cts.Token);
                        cts.Cancel();
                        try { await t; }
                        catch (OperationCanceledException) { }
                        Assert.IsTrue(t.IsCanceled || t.Status == TaskStatus.RanToCompletion, t.Status.ToString());
                    }
                }
            }
        }

        [Test]
        public void Forward()
        {
            var dir = Path.Combine(Path.GetTempPath(), "missive-dotnet-fwd-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                using (var c = Fixture.Client())
                using (var m = Fixture.Simple(".NET forward", "original@example.com"))
                {
                    c.ForwardSender = "Desk <desk@example.com>";
                    var r = c.Forward(m, ForwardMode.Attach, "fwd-attach@example.com");
                    StringAssert.Contains("message/rfc822", Fixture.Arrived(r, ".eml"));
                    StringAssert.Contains("MAIL_FROM desk@example.com", Fixture.Arrived(r, ".env"));
                    var path = Path.Combine(dir, "m.eml");
                    m.Save(path);
                    var want = File.ReadAllText(path);
                    Assert.AreEqual(want, Fixture.Arrived(c.ForwardFile(path, "desk@example.com", "fwd-file@example.com"), ".eml"));
                    using (var fs = File.OpenRead(path))
                        Assert.AreEqual(want, Fixture.Arrived(c.Forward(fs, "desk@example.com", "fwd-fd@example.com"), ".eml"));
                    using (var ms = new MemoryStream(File.ReadAllBytes(path)))
                        Assert.AreEqual(want, Fixture.Arrived(c.Forward((Stream)ms, ms.Length, "desk@example.com", "fwd-stream@example.com"), ".eml"));
                    var e = Assert.Throws<SmtpException>(() => c.Forward(new FailingStream(), -1, "desk@example.com", "fwd-broken@example.com"));
                    Assert.AreEqual(MissiveResult.IO, e.Result);
                    StringAssert.Contains("disk on fire", e.Message);
                }
            }
            finally { Directory.Delete(dir, true); }
        }

        sealed class FailingStream : MemoryStream
        {
            public override int Read(byte[] buffer, int offset, int count) { throw new IOException("disk on fire"); }
        }

        [Test]
        public void Queue()
        {
            var dir = Path.Combine(Path.GetTempPath(), "missive-dotnet-queue-" + Guid.NewGuid().ToString("N"));
            try
            {
                using (var c = Fixture.Client())
                using (var m = Fixture.Simple(".NET queued", "queued@example.com"))
                {
                    c.QueueDirectory = dir;
                    c.SetQueueRetry(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), 3);
                    c.Enqueue(m);
                    Assert.AreEqual(1, c.GetQueueState().Queued);
                    var list = c.GetQueueList();
                    Assert.AreEqual(1, list.Length);
                    Assert.AreEqual("queued", list[0].State);
                    Assert.AreEqual(1, c.DrainQueue().Delivered);
                    Assert.AreEqual(0, c.GetQueueState().Queued);
                }
            }
            finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
        }

        [Test]
        public void QueueDrainServerDownCarriesCounts()
        {
            var dir = Path.Combine(Path.GetTempPath(), "missive-dotnet-queue-down-" + Guid.NewGuid().ToString("N"));
            try
            {
                using (var c = new SmtpClient("127.0.0.1", FreePort(), null, null, SecurityOptions.None))
                using (var m = Fixture.Simple(".NET queued, server down", "queued-down@example.com"))
                {
                    c.QueueDirectory = dir;
                    c.Enqueue(m);
                    var e = Assert.Throws<QueueDrainException>(() => c.DrainQueue());
                    Assert.AreEqual(MissiveResult.QueueServerUnavailable, e.Result);
                    Assert.IsNotEmpty(e.Detail);
                    Assert.IsNotNull(e.Counts);
                    Assert.AreEqual(1, e.Counts.Remaining);
                    Assert.AreEqual(0, e.Counts.Delivered);
                    Assert.AreEqual(0, e.Counts.DeadLettered);
                    Assert.IsInstanceOf<SmtpException>(e); // callers catching SmtpException still do
                    Assert.AreEqual(1, c.GetQueueState().Queued); // the message stays queued
                }
            }
            finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
        }

        [Test]
        public void QueueUrlLeaseIdempotent()
        {
            var dir = Path.Combine(Path.GetTempPath(), "missive-dotnet-queue-url-" + Guid.NewGuid().ToString("N"));
            try
            {
                using (var c = Fixture.Client())
                using (var m = Fixture.Simple(".NET queued once", "queued-once@example.com"))
                {
                    c.QueueUrl = "file://" + dir;
                    c.QueueLease = TimeSpan.FromSeconds(5);
                    c.QueueIdempotent = true;
                    c.Enqueue(m);
                    c.Enqueue(m); // the same Message-ID: not queued again
                    Assert.AreEqual(1, c.GetQueueState().Queued);
                    Assert.AreEqual(1, c.DrainQueue().Delivered);
                    var e = Assert.Throws<MissiveException>(() => c.QueueUrl = "ftp://example.com/queue");
                    Assert.AreEqual(MissiveResult.QueueUrlInvalid, e.Result);
                    e = Assert.Throws<MissiveException>(() => c.QueueLease = TimeSpan.FromMilliseconds(100));
                    Assert.AreEqual(MissiveResult.InvalidArgument, e.Result);
                }
            }
            finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
        }

        [Test]
        public void AppointmentAndTnef()
        {
            using (var a = new Appointment())
            using (var c = Fixture.Client())
            using (var m = Fixture.Simple(".NET meeting", "invitee@example.com"))
            {
                a.Summary = "Planning";
                a.Description = "Line one\nLine two";
                a.Location = "Room 1";
                a.SetTimes(new DateTimeOffset(2030, 1, 2, 9, 0, 0, TimeSpan.Zero), new DateTimeOffset(2030, 1, 2, 10, 0, 0, TimeSpan.Zero));
                a.Organizer = new MailAddress("boss@example.com", "Boss");
                a.AddAttendee(new MailAddress("room@example.com"), AttendeeRole.Resource, false);
                a.Status = AppointmentStatus.Tentative;
                a.Reminder = TimeSpan.FromMinutes(15);
                a.SetRecurrence(RecurrenceFrequency.Weekly, 1, 4);
                Assert.IsNotEmpty(a.Uid);
                var ics = a.ToIcs();
                StringAssert.Contains("SUMMARY:Planning", ics);
                StringAssert.Contains("RRULE:FREQ=WEEKLY", ics);
                Assert.Throws<MissiveException>(() => a.SetTimes(DateTimeOffset.FromUnixTimeSeconds(10), DateTimeOffset.FromUnixTimeSeconds(5)));
                using (var local = new Appointment())
                {
                    local.SetTimes("Europe/Berlin", new DateTime(2030, 1, 2, 9, 0, 0), new DateTime(2030, 1, 2, 10, 0, 0));
                    local.SetAllDay(new DateTime(2030, 1, 3), 2);
                    local.SetRecurrence(RecurrenceFrequency.Daily, 1, DateTimeOffset.FromUnixTimeSeconds(1900000000));
                }
                m.AddAppointment(a, CalendarMethod.Request, true);
                Assert.AreEqual(1, m.AlternateViews.Count);
                var eml = Fixture.Arrived(c.Send(m), ".eml");
                StringAssert.Contains("text/calendar", eml);
                StringAssert.Contains("invite.ics", eml);
                Assert.AreEqual(1, a.IncrementSequence());

                using (var t = Fixture.Simple(".NET tnef", "tnef@example.com"))
                {
                    Assert.IsFalse(t.UseTnef);
                    t.UseTnef = true;
                    Assert.IsTrue(t.UseTnef);
                    StringAssert.Contains("application/ms-tnef", Fixture.Arrived(c.Send(t), ".eml"));
                }
                c.UseTnef = true;
                using (var t = Fixture.Simple(".NET tnef client", "tnef@example.com"))
                    StringAssert.Contains("winmail.dat", Fixture.Arrived(c.Send(t), ".eml"));
            }
        }

        [Test]
        public void SystemNetMailVocabularyOverStartTls()
        {
            using (var server = new TlsServer())
            using (var c = new SmtpClient("127.0.0.1", server.Port))
            {
                c.Credentials = new System.Net.NetworkCredential("alice", "wonderland");
                c.EnableSsl = true;
                Assert.AreEqual(SecurityOptions.SslExplicit, c.SecurityOptions);
                c.TrustedCaFile = server.CaFile;
                c.Timeout = 20000;
                using (var m = Fixture.Simple(".NET EnableSsl", "tls@example.com"))
                    c.SendMailAsync(m).Wait();
                var env = File.ReadAllText(Path.Combine(server.MailDir, "msg-1.env"));
                StringAssert.Contains("TLS yes", env);
                StringAssert.Contains("AUTH alice", env);
                c.SendMailAsync("Sender <sender@example.com>", "tls2@example.com", "second", "Body.\n").Wait();
                StringAssert.Contains("RCPT tls2@example.com", File.ReadAllText(Path.Combine(server.MailDir, "msg-2.env")));

                // A wrong password: one clear sentence, passed through from the library.
                c.Credentials = new System.Net.NetworkCredential("alice", "wrong");
                var e = Assert.Throws<SmtpException>(() => c.Send(Fixture.Simple("x", "x@example.com")));
                Assert.AreEqual(MissiveResult.AuthFailed, e.Result);
                StringAssert.Contains("the user name or password was refused", e.Message);
                c.Credentials = null;
                c.EnableSsl = false;
                Assert.AreEqual(SecurityOptions.Auto, c.SecurityOptions);
            }
            using (var c = new SmtpClient("127.0.0.1"))
            {
                c.EnableSsl = true;
                c.Port = 465; // System.Net.Mail cannot do implicit TLS; here 465 means it
                Assert.AreEqual(SecurityOptions.SslImplicit, c.SecurityOptions);
            }
        }

        [Test]
        public void EveryPathTakingApiThrowsFileNotFound()
        {
            var dir = Path.Combine(Path.GetTempPath(), "missive-net-missing-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                var missing = Path.Combine(dir, "missing.eml");
                Assert.Throws<FileNotFoundException>(() => MailMessage.Load(missing));
                Assert.Throws<FileNotFoundException>(() => MailMessage.Load(missing, true));
                Assert.Throws<FileNotFoundException>(() => MailMessage.LoadPickupFile(missing));
                using (var m = Fixture.Simple("x", "x@example.com"))
                {
                    var a = Assert.Throws<FileNotFoundException>(() => m.Attachments.Add(new Attachment(Path.Combine(dir, "report.pdf"))));
                    StringAssert.Contains("cannot read attachment", a.Message);
                    Assert.AreEqual(0, m.Attachments.Count);
                    Assert.Throws<DirectoryNotFoundException>(() => m.Save(Path.Combine(dir, "no-such-dir", "m.eml")));
                }
                using (var c = Fixture.Client())
                {
                    var f = Assert.Throws<FileNotFoundException>(() => c.ForwardFile(missing, "desk@example.com", "fwd@example.com"));
                    Assert.AreEqual(missing, f.FileName);
                    Assert.Throws<FileNotFoundException>(() => c.TrustedCaFile = Path.Combine(dir, "ca.pem"));
                }
            }
            finally { Directory.Delete(dir, true); }
        }

        [Test]
        public void EveryBadAddressIsAFormatException()
        {
            Assert.Throws<FormatException>(() => new MailAddress("Jane Doe jane.example.com"));
            Assert.Throws<FormatException>(() => new MailAddress("a@"));
            var e = Assert.Throws<FormatException>(() => new MailAddress("Jane Doe jane.example.com"));
            Assert.AreEqual("\"Jane Doe jane.example.com\" is not an email address: it has no @", e.Message);
            using (var m = new MailMessage())
            {
                Assert.Throws<FormatException>(() => m.To.Add("Jane Doe jane.example.com"));
                Assert.Throws<FormatException>(() => m.CC.Add("ok@example.org, not an address"));
                Assert.Throws<FormatException>(() => m.From = "bad\r\nBcc: x@example.com");
                Assert.Throws<FormatException>(() => new MailMessage("nobody", "x@example.com"));
            }
            using (var c = new SmtpClient())
                Assert.Throws<FormatException>(() => c.ForwardSender = "not an address");
        }

        [Test]
        public void WrongTlsModeSaysWhichThePortExpects()
        {
            using (var c = Fixture.Client())
            {
                c.SecurityOptions = SecurityOptions.SslImplicit; // the fixture is a plain port
                var e = Assert.Throws<SmtpException>(() => c.Send(Fixture.Simple("x", "x@example.com")));
                Assert.AreEqual(MissiveResult.TlsFailed, e.Result);
                StringAssert.Contains("the server answered in plain text: port " + Fixture.Port +
                    " expects STARTTLS or no TLS, not implicit TLS", e.Message);
            }
        }

        [Test]
        public void TokenProviderRefreshesOnce()
        {
            using (var c = SmtpClient.FromUrl("smtp+plain://carol@127.0.0.1:" + Fixture.Port))
            using (var m = Fixture.Simple(".NET OAuth", "to@example.com"))
            {
                c.Timeout = 20000;
                var asked = new List<bool>();
                // The fixture knows only carol's "fresh-token-42": the first token is refused.
                c.TokenProvider = refresh => { lock (asked) asked.Add(refresh); return refresh ? "fresh-token-42" : "stale-token-1"; };
                var r = c.Send(m);
                CollectionAssert.AreEqual(new[] { false, true }, asked);
                StringAssert.Contains("AUTH carol", Fixture.Arrived(r, ".env"));
                c.TokenProvider = refresh => throw new InvalidOperationException("offline");
                var e = Assert.Throws<SmtpException>(() => c.Send(m));
                Assert.AreEqual(MissiveResult.TokenProviderFailed, e.Result);
                StringAssert.Contains("offline", e.Message);
                c.TokenProvider = null;
            }
        }

        [Test]
        public void ProxyNobodyListensOn()
        {
            using (var c = Fixture.Client())
            {
                c.Proxy = "socks5://127.0.0.1:1";
                var e = Assert.Throws<SmtpException>(() => c.Noop());
                Assert.AreEqual(MissiveResult.ProxyFailed, e.Result);
                c.Proxy = "";
                c.Noop();
            }
        }

        [Test]
        public void Credentials()
        {
            using (var c = SmtpClient.FromUrl("smtp+plain://alice:wonderland@127.0.0.1:" + Fixture.Port))
            {
                c.Timeout = 20000;
                c.ValidateCredentials();
                c.Password = "wrong";
                var e = Assert.Throws<SmtpException>(() => c.ValidateCredentials());
                Assert.AreEqual(MissiveResult.AuthFailed, e.Result);
            }
        }
    }
}
