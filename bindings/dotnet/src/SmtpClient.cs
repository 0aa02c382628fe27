// SmtpClient over a native missive_client (one ClientHandle).
using System;
using System.Collections.Generic;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Missive
{
    /// <summary>Sends messages over SMTP or into a pickup directory. Safe to use from several
    /// threads at once. Dispose it to close its connections and free it; Dispose twice is harmless.</summary>
    public sealed partial class SmtpClient : IDisposable
    {
        readonly ClientHandle handle;
        string host; int port; string username; string password;
        SecurityOptions security = SecurityOptions.Auto;
        SmtpDeliveryMethod deliveryMethod = SmtpDeliveryMethod.Network;
        string pickupDirectory;
        int timeout = 120000, connectTimeout = 30000;
        long totalTimeout = 600000;
        Action<ProtocolLogDirection, string> protocolLog;

        public SmtpClient()
        {
            handle = Native.missive_client_new();
            if (handle == null || handle.IsInvalid) throw new OutOfMemoryException("missive_client_new failed");
        }

        public SmtpClient(string host) : this() { Host = host; }

        public SmtpClient(string host, int port) : this(host) { Port = port; }

        /// <summary>The seed's constructor: server, credentials and how the connection is secured.</summary>
        public SmtpClient(string host, int port, string username, string password, SecurityOptions securityOptions)
            : this(host, port)
        {
            Username = username;
            Password = password;
            SecurityOptions = securityOptions;
        }

        /// <summary>A client configured from a URL such as
        /// <c>smtp+starttls://me%40example.com:secret@smtp.example.com:587</c>.</summary>
        public static SmtpClient FromUrl(string url)
        {
            var c = new SmtpClient();
            try { c.SetUrl(url); } catch { c.Dispose(); throw; }
            return c;
        }

        // ---- settings ----

        public string Host
        {
            get => host;
            set { var b = Native.Utf8(value); Check(Native.missive_client_set_host(H, b, Native.Len(b))); host = value; }
        }

        /// <summary>0: the default for the security option (465 for SslImplicit, else 25).</summary>
        public int Port
        {
            get => port;
            set
            {
                if (value < 0 || value > 65535) throw new ArgumentOutOfRangeException(nameof(value));
                Check(Native.missive_client_set_port(H, (ushort)value)); port = value;
                if (enableSsl.HasValue) ApplyEnableSsl(enableSsl.Value); // 465: implicit TLS
            }
        }

        public string Username
        {
            get => username;
            set { var b = Native.Utf8(value); Check(Native.missive_client_set_username(H, b, Native.Len(b))); username = value; }
        }

        public string Password
        {
            set { var b = Native.Utf8(value); Check(Native.missive_client_set_password(H, b, Native.Len(b))); password = value; }
        }

        internal bool HasPassword => !string.IsNullOrEmpty(password);

        public SecurityOptions SecurityOptions
        {
            get => security;
            set { Check(Native.missive_client_set_security(H, (int)value)); security = value; enableSsl = null; }
        }

        bool? enableSsl;

        /// <summary>System.Net.Mail's switch: true requires TLS (STARTTLS, or implicit TLS when
        /// <see cref="Port"/> is 465, which System.Net.Mail cannot do); false goes back to the
        /// default, <see cref="SecurityOptions.Auto"/> (STARTTLS when the server offers it, and
        /// credentials never sent unencrypted). <see cref="SecurityOptions"/> says exactly which
        /// mode is used.</summary>
        public bool EnableSsl
        {
            get => security == SecurityOptions.SslExplicit || security == SecurityOptions.SslImplicit;
            set { ApplyEnableSsl(value); }
        }

        void ApplyEnableSsl(bool value)
        {
            var mode = !value ? SecurityOptions.Auto
                : port == 465 ? SecurityOptions.SslImplicit : SecurityOptions.SslExplicit;
            Check(Native.missive_client_set_security(H, (int)mode));
            security = mode;
            enableSsl = value;
        }

        ICredentialsByHost credentials;

        /// <summary>The user name and password for SMTP AUTH, as System.Net.Mail takes them:
        /// <c>client.Credentials = new NetworkCredential("me@example.com", "app-password")</c>.
        /// Read when set (for <see cref="Host"/> and <see cref="Port"/> as they are then); null
        /// removes them. The same as setting <see cref="Username"/> and <see cref="Password"/>.</summary>
        public ICredentialsByHost Credentials
        {
            get => credentials;
            set
            {
                var nc = value?.GetCredential(host ?? string.Empty, port, "PLAIN");
                Username = nc?.UserName ?? string.Empty;
                Password = nc?.Password ?? string.Empty;
                credentials = value;
            }
        }

        /// <summary>Sets host, port, security and credentials from a URL (smtp://, smtp+starttls://,
        /// smtps://, smtp+plain://).</summary>
        public void SetUrl(string url)
        {
            var b = Native.Utf8(url ?? throw new ArgumentNullException(nameof(url)));
            Check(Native.missive_client_set_url(H, b, Native.Len(b)));
        }

        public SmtpDeliveryMethod DeliveryMethod
        {
            get => deliveryMethod;
            set { Check(Native.missive_client_set_delivery_method(H, (int)value)); deliveryMethod = value; }
        }

        public string PickupDirectoryLocation
        {
            get => pickupDirectory;
            set { var b = Native.Utf8(value); Check(Native.missive_client_set_pickup_directory(H, b, Native.Len(b))); pickupDirectory = value; }
        }

        /// <summary>Milliseconds allowed for the greeting and each command's reply (default 120000).</summary>
        public int Timeout
        {
            get => timeout;
            set
            {
                if (value <= 0) throw new ArgumentOutOfRangeException(nameof(value));
                Check(Native.missive_client_set_timeouts(H, 0, (uint)value)); timeout = value;
            }
        }

        /// <summary>Milliseconds one call may take in all: connecting (TCP, TLS, greeting, EHLO,
        /// AUTH) plus its transactions (one message, one batch of a collection). 0: no limit
        /// (default 600000).</summary>
        public long TotalTimeout
        {
            get => totalTimeout;
            set
            {
                if (value < 0) throw new ArgumentOutOfRangeException(nameof(value));
                Check(Native.missive_client_set_total_timeout(H, (ulong)value)); totalTimeout = value;
            }
        }

        /// <summary>Milliseconds allowed for each TCP connection attempt (default 30000).</summary>
        public int ConnectTimeout
        {
            get => connectTimeout;
            set
            {
                if (value <= 0) throw new ArgumentOutOfRangeException(nameof(value));
                Check(Native.missive_client_set_timeouts(H, (uint)value, 0)); connectTimeout = value;
            }
        }

        /// <summary>An OAuth 2 access token (XOAUTH2 with Username); null removes it.</summary>
        public string OAuth2Token
        {
            set { var b = Native.Utf8(value); Check(Native.missive_client_set_oauth2_token(H, b, Native.Len(b))); }
        }

        /// <summary>Gives OAuth 2 access tokens (OAUTHBEARER or XOAUTH2 with Username): asked with
        /// false before each AUTH, and once more with true (refresh) after the server refused the
        /// token, then AUTH is tried once more. Return null or throw to give none: the send fails
        /// with TokenProviderFailed and the exception's message. Runs on the thread that opens a
        /// connection; must not call this client. null removes it.</summary>
        public Func<bool, string> TokenProvider
        {
            get => tokenProvider;
            set
            {
                if (value == null)
                {
                    Check(Native.missive_client_set_token_provider(H, null, IntPtr.Zero, null));
                }
                else
                {
                    var gch = GCHandle.Alloc(value);
                    Check(Native.missive_client_set_token_provider(H, TokenTrampoline, GCHandle.ToIntPtr(gch), UserdataFree));
                }
                tokenProvider = value;
            }
        }
        Func<bool, string> tokenProvider;

        /// <summary>A proxy for every connection: "socks5://user:pass@host:port" (socks5h too),
        /// "socks4a://host:port", "http://user:pass@host:port" (HTTP CONNECT). The SMTP host's
        /// name is resolved by the proxy; TLS runs end to end. null or "" removes it.</summary>
        public string Proxy
        {
            set { var b = Native.Utf8(value ?? string.Empty); Check(Native.missive_client_set_proxy(H, b, Native.Len(b))); }
        }

        public SmtpAuthenticationMechanism AuthenticationMechanism
        {
            set => Check(Native.missive_client_set_auth_mechanism(H, (int)value));
        }

        /// <summary>The EHLO name; null restores the default.</summary>
        public string ClientDomain
        {
            set { var b = Native.Utf8(value); Check(Native.missive_client_set_client_name(H, b, Native.Len(b))); }
        }

        /// <summary>A PEM file of extra trusted CA certificates; null removes it. A missing file
        /// throws <see cref="System.IO.FileNotFoundException"/>.</summary>
        public string TrustedCaFile
        {
            set
            {
                if (value != null && !System.IO.File.Exists(value))
                    throw new System.IO.FileNotFoundException("cannot read CA file " + value + ": no such file or directory", value);
                var b = Native.Utf8(value); Check(Native.missive_client_set_ca_file(H, b, Native.Len(b)));
            }
        }

        /// <summary>Presents a client certificate (PEM chain and key); both null removes it.</summary>
        public void SetClientCertificate(string certificatePath, string keyPath)
        {
            foreach (var f in new[] { certificatePath, keyPath })
                if (f != null && !System.IO.File.Exists(f))
                    throw new System.IO.FileNotFoundException("cannot read " + f + ": no such file or directory", f);
            var c = Native.Utf8(certificatePath); var k = Native.Utf8(keyPath);
            Check(Native.missive_client_set_client_certificate(H, c, Native.Len(c), k, Native.Len(k)));
        }

        public TlsVersion MinimumTlsVersion
        {
            set => Check(Native.missive_client_set_min_tls_version(H, (int)value));
        }

        /// <summary>DANGEROUS: accept any server certificate. Test servers only.</summary>
        public bool DangerousAcceptInvalidCertificates
        {
            set => Check(Native.missive_client_dangerous_accept_invalid_certs(H, value));
        }

        /// <summary>Use PIPELINING when offered (default true).</summary>
        public bool UsePipelining
        {
            set => Check(Native.missive_client_set_pipelining(H, value));
        }

        /// <summary>Use CHUNKING (BDAT, several messages in flight) when offered (default true); DATA otherwise.</summary>
        public bool UseChunking
        {
            set => Check(Native.missive_client_set_chunking(H, value));
        }

        /// <summary>When true, a message some of whose recipients are refused is not sent at all.</summary>
        public bool RequireAllRecipients
        {
            set => Check(Native.missive_client_set_require_all_recipients(H, value));
        }

        // The native callback: one static delegate for every client, kept alive by this field;
        // userdata is a GCHandle to the client's Action, freed in UserdataFree.
        static readonly Native.LogCallback LogTrampoline = OnLog;
        static readonly Native.UserdataFreeCallback UserdataFree = OnUserdataFree;

        static void OnLog(IntPtr userdata, int direction, IntPtr line, UIntPtr len)
        {
            try
            {
                var action = (Action<ProtocolLogDirection, string>)GCHandle.FromIntPtr(userdata).Target;
                var bytes = new byte[(int)len.ToUInt32()];
                if (bytes.Length > 0) Marshal.Copy(line, bytes, 0, bytes.Length);
                action((ProtocolLogDirection)direction, Encoding.UTF8.GetString(bytes));
            }
            catch (Exception)
            {
                // An exception must not unwind into native code.
            }
        }

        static void OnUserdataFree(IntPtr userdata) => GCHandle.FromIntPtr(userdata).Free();

        static readonly Native.TokenCallback TokenTrampoline = OnToken;

        static int OnToken(IntPtr userdata, bool refresh, IntPtr buf, UIntPtr bufLen, out UIntPtr outLen)
        {
            byte[] text;
            int code = (int)MissiveResult.Ok;
            try
            {
                var f = (Func<bool, string>)GCHandle.FromIntPtr(userdata).Target;
                var token = f(refresh);
                if (token == null)
                {
                    text = Encoding.UTF8.GetBytes("the token provider returned null");
                    code = (int)MissiveResult.TokenProviderFailed;
                }
                else
                {
                    text = Encoding.UTF8.GetBytes(token);
                }
            }
            catch (Exception e)
            {
                // An exception must not unwind into native code: its message becomes the error.
                text = Encoding.UTF8.GetBytes(e.Message ?? e.GetType().Name);
                code = (int)MissiveResult.TokenProviderFailed;
            }
            ulong cap = bufLen.ToUInt64();
            if ((ulong)text.Length > cap)
            {
                if (code == (int)MissiveResult.Ok)
                {
                    outLen = new UIntPtr((ulong)text.Length);
                    return (int)MissiveResult.BufferTooSmall;
                }
                Array.Resize(ref text, (int)cap);
            }
            if (text.Length > 0) Marshal.Copy(text, 0, buf, text.Length);
            outLen = new UIntPtr((ulong)text.Length);
            return code;
        }

        bool logConnectionNumbers;

        /// <summary>Start each ProtocolLog line with its connection's number, "[N] " (connections
        /// numbered 1, 2, ... in the order this client opens them). Default false.</summary>
        public bool ProtocolLogConnectionNumbers
        {
            get => logConnectionNumbers;
            set { Check(Native.missive_client_set_protocol_log_connection_numbers(H, value)); logConnectionNumbers = value; }
        }

        /// <summary>Receives every SMTP line (secrets redacted); may run on several threads at
        /// once; must not call this client. null removes it.</summary>
        public Action<ProtocolLogDirection, string> ProtocolLog
        {
            get => protocolLog;
            set
            {
                if (value == null)
                {
                    Check(Native.missive_client_set_protocol_log(H, null, IntPtr.Zero, null));
                }
                else
                {
                    var gch = GCHandle.Alloc(value);
                    Check(Native.missive_client_set_protocol_log(H, LogTrampoline, GCHandle.ToIntPtr(gch), UserdataFree));
                }
                protocolLog = value;
            }
        }

        // ---- sending ----

        /// <summary>Sends one message. Throws <see cref="SmtpFailedRecipientsException"/> when
        /// recipients were refused and <see cref="SmtpException"/> for other failures.</summary>
        public SendResult Send(MailMessage message)
        {
            if (message == null) throw new ArgumentNullException(nameof(message));
            SendResultHandle raw;
            var r = Native.missive_client_send(H, message.H, out raw);
            return Finish(r, raw);
        }

        public SendResult Send(string from, string recipients, string subject, string body)
        {
            using (var m = new MailMessage(from, recipients, subject, body)) return Send(m);
        }

        /// <summary>Sends every message of the collection and returns each one's outcome (a
        /// failure of one does not stop the others, and a partial failure is reported in the
        /// result, not thrown: see <see cref="BulkResult.Result"/> and <see cref="BulkResult.Items"/>).
        /// Throws <see cref="SmtpBulkException"/> (with the same outcomes) only when no message
        /// could be attempted.</summary>
        public BulkResult Send(MailMessageCollection messages)
        {
            if (messages == null) throw new ArgumentNullException(nameof(messages));
            BulkResultHandle raw;
            var r = Native.missive_client_send_collection(H, messages.H, out raw);
            BulkResult result;
            using (raw) result = BulkResult.From(raw);
            if (r != MissiveResult.Ok && (result == null || result.NothingAttempted(r)))
                throw new SmtpBulkException(r, LastError, result);
            return result;
        }

        /// <summary>Sends raw message bytes with an explicit envelope (recipients comma-separated).</summary>
        public SendResult SendRaw(string mailFrom, string recipients, byte[] data)
        {
            var f = Native.Utf8(mailFrom ?? string.Empty); var rc = Native.Utf8(recipients);
            SendResultHandle raw;
            var r = Native.missive_client_send_raw(H, f, Native.Len(f), rc, Native.Len(rc), data, Native.Len(data), out raw);
            return Finish(r, raw);
        }

        /// <summary>System.Net.Mail's name for <see cref="SendAsync(MailMessage, CancellationToken)"/>:
        /// sends one message in the background; the task fails with the exceptions of
        /// <see cref="Send(MailMessage)"/>.</summary>
        public Task SendMailAsync(MailMessage message) => SendAsync(message);

        /// <summary>As <see cref="SendMailAsync(MailMessage)"/>; cancelling the token cancels the
        /// send if it has not started.</summary>
        public Task SendMailAsync(MailMessage message, CancellationToken cancellationToken) =>
            SendAsync(message, cancellationToken);

        /// <summary>Composes and sends a plain-text message in the background.</summary>
        public async Task SendMailAsync(string from, string recipients, string subject, string body)
        {
            using (var m = new MailMessage(from, recipients, subject, body))
                await SendAsync(m).ConfigureAwait(false);
        }

        /// <summary>Sends one message in the background (the native asynchronous send: the
        /// message is copied before this returns). The task completes from the library's
        /// completion callback; cancelling the token cancels the send if it has not started.
        /// Failures are the exceptions of <see cref="Send(MailMessage)"/>.</summary>
        public Task<SendResult> SendAsync(MailMessage message, CancellationToken cancellationToken = default(CancellationToken))
        {
            if (message == null) throw new ArgumentNullException(nameof(message));
            return SendOneAsync(message.H, cancellationToken);
        }

        async Task<SendResult> SendOneAsync(MessageHandle msg, CancellationToken ct)
        {
            var bulk = await RunOperation(true, (IntPtr ud, out OperationHandle op) =>
                Native.missive_client_send_async(H, msg, Completion, ud, UserdataFree, out op), ct).ConfigureAwait(false);
            return bulk.Items.Count > 0 ? bulk.Items[0].SendResult : null;
        }

        /// <summary>Sends a collection in the background (with the multi-connection, retry and
        /// progress settings); cancelling the token stops it (messages not started are reported
        /// NotAttempted, and the task is cancelled).</summary>
        public Task<BulkResult> SendAsync(MailMessageCollection messages, CancellationToken cancellationToken = default(CancellationToken))
        {
            if (messages == null) throw new ArgumentNullException(nameof(messages));
            var coll = messages.H;
            return RunOperation(false, (IntPtr ud, out OperationHandle op) =>
                Native.missive_client_send_collection_async(H, coll, Completion, ud, UserdataFree, out op), cancellationToken);
        }

        /// <summary>Checks the server is reachable (NOOP on the kept connection).</summary>
        public void Noop() => CheckSmtp(Native.missive_client_noop(H));

        /// <summary>Connects and authenticates on a connection of its own; throws when the
        /// credentials do not work.</summary>
        public void ValidateCredentials() => CheckSmtp(Native.missive_client_validate_credentials(H));

        /// <summary>The server's EHLO capabilities, one per element.</summary>
        public string[] GetCapabilities()
        {
            string s; var h = H;
            CheckSmtp(Native.FetchText((byte[] b, UIntPtr n, out UIntPtr o) => Native.missive_client_capabilities(h, b, n, out o), out s));
            return s.Split(new[] { '\n' }, StringSplitOptions.RemoveEmptyEntries);
        }

        /// <summary>QUITs and closes the kept connections (the next send opens a new one).</summary>
        public void Close() => Check(Native.missive_client_close(H));

        /// <summary>Adds a DKIM signer: every message this client delivers is signed for
        /// <paramref name="domain"/> and <paramref name="selector"/> with the PEM private key
        /// (PKCS#8 "PRIVATE KEY" for RSA or Ed25519, PKCS#1 "RSA PRIVATE KEY" for RSA).
        /// Several signers may be added; each adds its own DKIM-Signature.</summary>
        public void AddDkimSigner(string domain, string selector, byte[] keyPem, DkimAlgorithm algorithm, DkimFlags flags = DkimFlags.None)
        {
            var d = Native.Utf8(domain); var s = Native.Utf8(selector);
            var k = keyPem ?? new byte[0];
            Check(Native.missive_client_add_dkim_signer(H, d, Native.Len(d), s, Native.Len(s), k, (UIntPtr)k.Length, (int)algorithm, (uint)flags));
        }

        /// <summary>Adds a DKIM signer with the PEM private key read from a file (see
        /// <see cref="AddDkimSigner"/>).</summary>
        public void AddDkimSignerFile(string domain, string selector, string keyPath, DkimAlgorithm algorithm, DkimFlags flags = DkimFlags.None)
        {
            var d = Native.Utf8(domain); var s = Native.Utf8(selector); var p = Native.Utf8(keyPath);
            Check(Native.missive_client_add_dkim_signer_file(H, d, Native.Len(d), s, Native.Len(s), p, Native.Len(p), (int)algorithm, (uint)flags));
        }

        /// <summary>Removes every DKIM signer (messages go out unsigned).</summary>
        public void ClearDkimSigners() => Check(Native.missive_client_clear_dkim_signers(H));

        /// <summary>How many DKIM signers are set.</summary>
        public int DkimSignerCount => (int)Native.missive_client_dkim_signer_count(H);

        /// <summary>The text of the most recent failure on this client.</summary>
        public string LastError
        {
            get { var h = H; return Native.ErrorText((byte[] b, UIntPtr n, out UIntPtr o) => Native.missive_client_error(h, b, n, out o)); }
        }

        public void Dispose() => handle.Dispose();

        // ---- internals ----

        ClientHandle H
        {
            get
            {
                if (handle.IsClosed) throw new ObjectDisposedException(nameof(SmtpClient));
                return handle;
            }
        }

        void Check(MissiveResult r)
        {
            if (r != MissiveResult.Ok) throw Errors.For(r, LastError);
        }

        void CheckSmtp(MissiveResult r)
        {
            if (r != MissiveResult.Ok) throw new SmtpException(r, LastError, null);
        }

        SendResult Finish(MissiveResult r, SendResultHandle raw)
        {
            SendResult result;
            using (raw) result = SendResult.From(raw);
            if (r == MissiveResult.Ok) return result;
            // The send's own detail, from its result: the client's LastError may already be
            // another thread's. The client's text only when no result was made (arguments).
            string detail = result != null ? result.Detail : LastError;
            if (r == MissiveResult.AllRecipientsRejected || r == MissiveResult.SomeRecipientsRejected)
                throw new SmtpFailedRecipientsException(r, detail, result);
            throw new SmtpException(r, detail, result);
        }
    }
}
