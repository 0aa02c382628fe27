// Enums, addresses, exceptions and the send result of the .NET binding.
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Text;

namespace Missive
{
    /// <summary>The C library's result codes (missive_result).</summary>
    public enum MissiveResult
    {
        Ok = 0, NullArgument = 1, InvalidArgument = 2, InvalidUtf8 = 3, BufferTooSmall = 4, Panic = 5,
        IndexOutOfRange = 6, NotFound = 7,
        ConnectFailed = 100, Timeout = 101, TlsFailed = 102, CertificateInvalid = 103,
        StartTlsNotOffered = 104, ConnectionLost = 105, OutcomeUnknown = 106,
        ProxyFailed = 110, ProxyRefused = 111, ProxyAuthFailed = 112,
        ServerRejected = 200, AuthFailed = 201, AuthUnsupported = 202, CredentialsRequireTls = 203,
        AllRecipientsRejected = 204, SomeRecipientsRejected = 205, ProtocolError = 206,
        SmtpUtf8NotSupported = 207, MessageTooLarge = 208, TokenProviderFailed = 210,
        FileNotFound = 300, PermissionDenied = 301, IO = 302, MalformedEml = 303, TruncatedEml = 304,
        MessageTooComplex = 305,
        InvalidAddress = 400, InvalidHeader = 401, NoSender = 402, NoRecipients = 403,
        PickupDirectoryNotSet = 500, HostNotSet = 501, NetworkUnavailable = 502, PartialFailure = 503,
        Pending = 20, Cancelled = 21, QueueDirectoryNotSet = 550, QueueBusy = 551, QueueServerUnavailable = 552,
        QueueUrlInvalid = 553, QueueDatabaseUnavailable = 554, QueueDatabaseError = 555,
        UnknownTimeZone = 600, IncompleteAppointment = 601,
        DkimKeyInvalid = 700, DkimSignerInvalid = 701, DkimSigningFailed = 702,
        ListUnsubscribeInvalid = 703,
    }

    /// <summary>A DKIM signing algorithm (missive_dkim_algorithm).</summary>
    public enum DkimAlgorithm
    {
        /// <summary>rsa-sha256 (RFC 6376): PKCS#1 "RSA PRIVATE KEY" or PKCS#8 "PRIVATE KEY".</summary>
        RsaSha256 = 0,
        /// <summary>ed25519-sha256 (RFC 8463): PKCS#8 "PRIVATE KEY".</summary>
        Ed25519Sha256 = 1,
    }

    /// <summary>DKIM signer options (missive_dkim_flags); None is relaxed/relaxed.</summary>
    [Flags]
    public enum DkimFlags { None = 0, HeaderSimple = 1, BodySimple = 2 }

    /// <summary>How <see cref="SmtpClient.Forward(MailMessage, ForwardMode, string)"/> forwards.</summary>
    public enum ForwardMode
    {
        /// <summary>A new envelope, the bytes unchanged (DKIM signatures survive).</summary>
        Redirect = 0,
        /// <summary>A Resent-* block on top.</summary>
        Resend = 1,
        /// <summary>A new "Fwd:" message carrying the original as message/rfc822.</summary>
        Attach = 2,
    }

    /// <summary>The outcome of one message of a collection send.</summary>
    public enum BulkStatus { Sent = 0, Failed = 1, Unknown = 2, NotAttempted = 3 }

    /// <summary>SMTP reply codes, named as System.Net.Mail names them (any other code is
    /// its number).</summary>
    public enum SmtpStatusCode
    {
        GeneralFailure = -1, SystemStatus = 211, HelpMessage = 214, ServiceReady = 220,
        ServiceClosingTransmissionChannel = 221, Ok = 250, UserNotLocalWillForward = 251,
        CannotVerifyUserWillAttemptDelivery = 252, StartMailInput = 354, ServiceNotAvailable = 421,
        MailboxBusy = 450, LocalErrorInProcessing = 451, InsufficientStorage = 452,
        ClientNotPermitted = 454, CommandUnrecognized = 500, SyntaxError = 501,
        CommandNotImplemented = 502, BadCommandSequence = 503, CommandParameterNotImplemented = 504,
        MustIssueStartTlsFirst = 530, MailboxUnavailable = 550, UserNotLocalTryAlternatePath = 551,
        ExceededStorageAllocation = 552, MailboxNameNotAllowed = 553, TransactionFailed = 554,
    }

    /// <summary>How the SMTP connection is secured.</summary>
    public enum SecurityOptions { None = 0, SslExplicit = 1, SslImplicit = 2, Auto = 3 }

    /// <summary>Where <see cref="SmtpClient.Send(MailMessage)"/> puts messages.</summary>
    public enum SmtpDeliveryMethod { Network = 0, PickupDirectory = 1 }

    public enum MailPriority { Normal = 0, Low = 1, High = 2 }

    /// <summary>Delivery-status-notification requests (RFC 3461 NOTIFY).</summary>
    [Flags]
    public enum DeliveryNotificationOptions { None = 0, OnSuccess = 1, OnFailure = 2, Delay = 4, Never = 8 }

    /// <summary>What a failure notification returns (RFC 3461 RET).</summary>
    public enum DeliveryNotificationReturn { Default = 0, Full = 1, Headers = 2 }

    public enum SmtpAuthenticationMechanism
    {
        Auto = 0, Plain = 1, Login = 2, CramMd5 = 3, XOAuth2 = 4, ScramSha256 = 5, ScramSha1 = 6,
        OAuthBearer = 7,
    }

    public enum TlsVersion { Tls12 = 0, Tls13 = 1 }

    public enum ProtocolLogDirection { Sent = 0, Received = 1 }

    internal enum RecipientKind { To = 0, Cc = 1, Bcc = 2, ReplyTo = 3 }
    internal enum PartKind { Attachment = 0, InlineResource = 1, AlternateView = 2 }
    internal enum PartField { Name = 0, ContentType = 1, ContentId = 2, Content = 3, Charset = 4 }
    internal enum SendResultField { ReplyText = 0, EnhancedCode = 1, QueueId = 2, PickupPath = 3 }

    /// <summary>Library-wide information.</summary>
    public static class MissiveLibrary
    {
        /// <summary>The native library's version, e.g. "0.1.0".</summary>
        public static string Version => Native.StaticText(Native.missive_version());

        /// <summary>Static English text for a result code.</summary>
        public static string Describe(MissiveResult code) => Native.StaticText(Native.missive_result_str((int)code));
    }

    /// <summary>An email address with an optional display name. A malformed address throws
    /// <see cref="FormatException"/> (as System.Net.Mail's does), here and wherever an address
    /// is given as text (<c>To.Add</c>, <c>From</c>, <see cref="SmtpClient.ForwardSender"/>).</summary>
    public sealed class MailAddress
    {
        public MailAddress(string address) : this(address, null) { }

        public MailAddress(string address, string displayName)
        {
            if (address == null) throw new ArgumentNullException(nameof(address));
            address = address.Trim();
            int lt = address.LastIndexOf('<');
            if (lt >= 0 && address.EndsWith(">", StringComparison.Ordinal))
            {
                string name = address.Substring(0, lt).Trim();
                address = address.Substring(lt + 1, address.Length - lt - 2).Trim();
                if (displayName == null && name.Length > 0)
                    displayName = name.Length >= 2 && name[0] == '"' && name[name.Length - 1] == '"'
                        ? name.Substring(1, name.Length - 2).Replace("\\\"", "\"").Replace("\\\\", "\\")
                        : name;
            }
            Address = address;
            DisplayName = displayName ?? string.Empty;
            // The library's own rules, so that an address is refused here exactly when a
            // message would refuse it, with the same sentence.
            string error = Native.AddressError(ToString());
            if (error != null) throw Errors.For(MissiveResult.InvalidAddress, error);
        }

        public string Address { get; }
        public string DisplayName { get; }
        public string User => Address.Substring(0, Address.LastIndexOf('@'));
        public string Host => Address.Substring(Address.LastIndexOf('@') + 1);

        /// <summary><c>"Display Name" &lt;a@b&gt;</c>, or <c>a@b</c> without a display name.</summary>
        public override string ToString()
        {
            if (DisplayName.Length == 0) return Address;
            return "\"" + DisplayName.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\" <" + Address + ">";
        }

        public override bool Equals(object obj) =>
            obj is MailAddress o && string.Equals(o.Address, Address, StringComparison.OrdinalIgnoreCase);
        public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(Address);

        public static implicit operator MailAddress(string address) => new MailAddress(address);

        // Splits "a@b, Name <c@d>, \"Last, First\" <e@f>" at commas outside quotes and brackets.
        internal static List<MailAddress> ParseList(string addresses)
        {
            var list = new List<MailAddress>();
            var cur = new StringBuilder();
            bool quoted = false; int angle = 0;
            foreach (char c in addresses)
            {
                if (c == '"') quoted = !quoted;
                else if (!quoted && c == '<') angle++;
                else if (!quoted && c == '>') angle--;
                if (c == ',' && !quoted && angle == 0)
                {
                    if (cur.ToString().Trim().Length > 0) list.Add(new MailAddress(cur.ToString()));
                    cur.Clear();
                }
                else cur.Append(c);
            }
            if (cur.ToString().Trim().Length > 0) list.Add(new MailAddress(cur.ToString()));
            return list;
        }
    }

    /// <summary>A recipient the server refused, with its reply.</summary>
    public sealed class FailedRecipient
    {
        internal FailedRecipient(string address, int code, string reply)
        { Address = address; ReplyCode = code; Reply = reply; }
        public string Address { get; }
        /// <summary>The SMTP reply code, e.g. 550.</summary>
        public int ReplyCode { get; }
        /// <summary>The whole reply, e.g. "550 5.1.1 &lt;x@example.com&gt;: Recipient address rejected".</summary>
        public string Reply { get; }
        public override string ToString() => Reply;
    }

    /// <summary>The outcome of sending one message (copied out of the native send result).</summary>
    public sealed class SendResult
    {
        public bool Delivered { get; private set; }
        /// <summary>A temporary failure (4xx, timeout, lost connection): trying later may work.</summary>
        public bool IsTransient { get; private set; }
        /// <summary>The connection broke after the data was sent: it may have been delivered.</summary>
        public bool OutcomeUnknown { get; private set; }
        /// <summary>The final SMTP reply code; 0 when there was none (pickup delivery).</summary>
        public int ReplyCode { get; private set; }
        public string ReplyText { get; private set; }
        /// <summary>e.g. "2.0.0"; null when the server sent none.</summary>
        public string EnhancedStatusCode { get; private set; }
        public string QueueId { get; private set; }
        /// <summary>The file written by pickup-directory delivery; null otherwise.</summary>
        public string PickupPath { get; private set; }
        public ReadOnlyCollection<string> AcceptedRecipients { get; private set; }
        public ReadOnlyCollection<FailedRecipient> RejectedRecipients { get; private set; }
        public string Error { get; private set; }
        /// <summary>This send's own result code: Ok when delivered to every recipient.</summary>
        public MissiveResult Code { get; private set; }
        /// <summary>Why this send failed (empty when <see cref="Code"/> is Ok): the sentence the
        /// client's error text got for it, kept here where a concurrent send on the same client
        /// cannot replace it.</summary>
        public string Detail { get; private set; }

        internal static SendResult FromBorrowed(IntPtr borrowed)
        {
            if (borrowed == IntPtr.Zero) return null;
            using (var h = new SendResultHandle(borrowed)) return From(h);
        }

        internal static SendResult From(SendResultHandle h)
        {
            if (h == null || h.IsInvalid) return null;
            // First: the error text belongs to the most recent call on the result.
            string error = Native.ErrorText((byte[] b, UIntPtr n, out UIntPtr o) => Native.missive_send_result_error(h, b, n, out o));
            var r = new SendResult
            {
                Error = error,
                Code = Native.missive_send_result_code(h),
                Detail = Native.ErrorText((byte[] b, UIntPtr n, out UIntPtr o) => Native.missive_send_result_detail(h, b, n, out o)),
                Delivered = Native.missive_send_result_delivered(h),
                IsTransient = Native.missive_send_result_is_transient(h),
                OutcomeUnknown = Native.missive_send_result_outcome_unknown(h),
                ReplyCode = Native.missive_send_result_reply_code(h),
                ReplyText = Text(h, SendResultField.ReplyText) ?? string.Empty,
                EnhancedStatusCode = Text(h, SendResultField.EnhancedCode),
                QueueId = Text(h, SendResultField.QueueId),
                PickupPath = Text(h, SendResultField.PickupPath),
            };
            var accepted = new List<string>();
            uint count = Native.missive_send_result_accepted_count(h).ToUInt32();
            for (uint i = 0; i < count; i++)
            {
                string s;
                var idx = new UIntPtr(i);
                if (Native.FetchText((byte[] b, UIntPtr n, out UIntPtr o) => Native.missive_send_result_accepted(h, idx, b, n, out o), out s) == MissiveResult.Ok)
                    accepted.Add(s);
            }
            var rejected = new List<FailedRecipient>();
            count = Native.missive_send_result_rejected_count(h).ToUInt32();
            for (uint i = 0; i < count; i++)
            {
                string addr, reply;
                ushort code = 0;
                var idx = new UIntPtr(i);
                Native.FetchText((byte[] b, UIntPtr n, out UIntPtr o) => Native.missive_send_result_rejected(h, idx, b, n, out o, out code), out addr);
                Native.FetchText((byte[] b, UIntPtr n, out UIntPtr o) => Native.missive_send_result_rejected_reply(h, idx, b, n, out o), out reply);
                rejected.Add(new FailedRecipient(addr ?? string.Empty, code, reply ?? string.Empty));
            }
            r.AcceptedRecipients = accepted.AsReadOnly();
            r.RejectedRecipients = rejected.AsReadOnly();
            return r;
        }

        static string Text(SendResultHandle h, SendResultField which)
        {
            string s;
            return Native.FetchText((byte[] b, UIntPtr n, out UIntPtr o) => Native.missive_send_result_text(h, (int)which, b, n, out o), out s) == MissiveResult.Ok ? s : null;
        }
    }

    /// <summary>A failed call of the library: the result code and the handle's error text.</summary>
    public class MissiveException : Exception
    {
        public MissiveException(MissiveResult result, string detail)
            : base(Format(result, detail)) { Result = result; Detail = detail ?? string.Empty; }
        public MissiveResult Result { get; }
        public string Detail { get; }
        // The library's sentence (the handle's error text) as it is, so that it reads the same
        // from every language; the code's static text when there is none.
        static string Format(MissiveResult r, string detail) =>
            string.IsNullOrEmpty(detail) ? MissiveLibrary.Describe(r) + " (" + (int)r + ")" : detail;
    }

    /// <summary>A failed send: the code, the send's own detail (from its result, so a
    /// concurrent send on the same client cannot change it) and the server's reply.</summary>
    public class SmtpException : MissiveException
    {
        public SmtpException(MissiveResult result, string detail, SendResult sendResult)
            : base(result, detail) { SendResult = sendResult; }
        /// <summary>The send result (null for failures before a send was attempted).</summary>
        public SendResult SendResult { get; }
        /// <summary>The final SMTP reply code as System.Net.Mail types it
        /// (<see cref="SmtpStatusCode.MailboxUnavailable"/> for 550);
        /// <see cref="SmtpStatusCode.GeneralFailure"/> when the server gave none.</summary>
        public SmtpStatusCode StatusCode => ToStatus(SendResult?.ReplyCode ?? 0);

        internal static SmtpStatusCode ToStatus(int code) => code == 0 ? SmtpStatusCode.GeneralFailure : (SmtpStatusCode)code;
        public string ReplyText => SendResult?.ReplyText ?? string.Empty;
        public string EnhancedStatusCode => SendResult?.EnhancedStatusCode;
        /// <summary>True for a temporary failure (4xx, timeout, lost connection).</summary>
        public bool IsTransient => SendResult?.IsTransient ?? false;
        /// <summary>For bulk sends: how many messages were delivered.</summary>
        public int Delivered { get; internal set; }
    }

    /// <summary>A collection send of which no message could be attempted (no host, the server
    /// unreachable, TLS or the credentials refused); <see cref="BulkResult"/> still has each
    /// message's outcome. A partial failure or a cancelled send is not an exception: it is in
    /// the <see cref="Missive.BulkResult"/> the send returns.</summary>
    public class SmtpBulkException : SmtpException
    {
        public SmtpBulkException(MissiveResult result, string detail, BulkResult bulkResult)
            : base(result, detail, null)
        {
            BulkResult = bulkResult;
            Delivered = bulkResult?.Sent ?? 0;
        }
        /// <summary>Each message's outcome.</summary>
        public BulkResult BulkResult { get; }
    }

    /// <summary>A queue drain that stopped: the server could not be reached (or refused TLS or
    /// the credentials; Result QueueServerUnavailable) or the database queue could not be
    /// reached (Result QueueDatabaseUnavailable). <see cref="Counts"/> says what the drain did
    /// before it stopped; the undelivered messages stay queued.</summary>
    public class QueueDrainException : SmtpException
    {
        public QueueDrainException(MissiveResult result, string detail, QueueDrainCounts counts)
            : base(result, detail, null)
        {
            Counts = counts;
            Delivered = counts?.Delivered ?? 0;
        }
        /// <summary>What the drain did before it stopped. With QueueDatabaseUnavailable,
        /// Remaining is 0 (not known), and all counts are 0 when the database could not be
        /// reached at all.</summary>
        public QueueDrainCounts Counts { get; }
    }

    /// <summary>One refused recipient.</summary>
    public class SmtpFailedRecipientException : SmtpException
    {
        public SmtpFailedRecipientException(MissiveResult result, string detail, SendResult sendResult, FailedRecipient failed)
            : base(result, detail, sendResult) { Rejection = failed; }
        /// <summary>The refused address (a string, as in System.Net.Mail).</summary>
        public string FailedRecipient => Rejection?.Address;
        /// <summary>The refused recipient with the server's reply.</summary>
        public FailedRecipient Rejection { get; }
        /// <summary>The reply code the server refused the recipient with.</summary>
        public new SmtpStatusCode StatusCode => Rejection != null ? ToStatus(Rejection.ReplyCode) : base.StatusCode;
    }

    /// <summary>Refused recipients (some or all): <see cref="InnerExceptions"/> has one per recipient.
    /// With <see cref="MissiveResult.SomeRecipientsRejected"/> the others may have received it:
    /// see <c>SendResult.Delivered</c>.</summary>
    public class SmtpFailedRecipientsException : SmtpFailedRecipientException
    {
        public SmtpFailedRecipientsException(MissiveResult result, string detail, SendResult sendResult)
            : base(result, detail, sendResult, sendResult != null && sendResult.RejectedRecipients.Count > 0 ? sendResult.RejectedRecipients[0] : null)
        {
            var inner = new List<SmtpFailedRecipientException>();
            if (sendResult != null)
                foreach (var f in sendResult.RejectedRecipients)
                    inner.Add(new SmtpFailedRecipientException(result, f.Reply, sendResult, f));
            InnerExceptions = inner.ToArray();
        }
        public SmtpFailedRecipientException[] InnerExceptions { get; }
    }
}

namespace Missive
{
    /// <summary>The outcome of one message of a collection send.</summary>
    public sealed class BulkItem
    {
        internal BulkItem(BulkStatus status, MissiveResult code, string error, SendResult result)
        { Status = status; Result = code; Error = error; SendResult = result; }
        public BulkStatus Status { get; }
        /// <summary>Ok when sent; the failure's code; Cancelled when not attempted.</summary>
        public MissiveResult Result { get; }
        /// <summary>Why it was not delivered (empty when it was).</summary>
        public string Error { get; }
        /// <summary>The server's reply and the recipients for this message.</summary>
        public SendResult SendResult { get; }
    }

    /// <summary>The outcomes of a collection send, one per message, in order (copied out of the
    /// native bulk result).</summary>
    public sealed class BulkResult
    {
        public MissiveResult Result { get; private set; }
        public bool WasCancelled { get; private set; }
        public int Sent { get; private set; }
        public int Failed { get; private set; }
        public int Unknown { get; private set; }
        public int NotAttempted { get; private set; }
        public System.Collections.ObjectModel.ReadOnlyCollection<BulkItem> Items { get; private set; }
        public string Error { get; private set; }

        /// <summary>True when the send failed as a whole before any message: every message
        /// Failed with <paramref name="code"/>, a configuration or session code (no host or
        /// pickup directory, the server unreachable, TLS or the credentials refused).</summary>
        internal bool NothingAttempted(MissiveResult code)
        {
            switch (code)
            {
                case MissiveResult.HostNotSet: case MissiveResult.PickupDirectoryNotSet:
                case MissiveResult.InvalidArgument: case MissiveResult.ConnectFailed:
                case MissiveResult.Timeout: case MissiveResult.TlsFailed:
                case MissiveResult.CertificateInvalid: case MissiveResult.StartTlsNotOffered:
                case MissiveResult.CredentialsRequireTls: case MissiveResult.AuthFailed:
                case MissiveResult.AuthUnsupported: case MissiveResult.ConnectionLost:
                case MissiveResult.ProtocolError: case MissiveResult.PermissionDenied:
                case MissiveResult.IO:
                    break;
                default:
                    return false;
            }
            if (Items.Count == 0 || Failed != Items.Count) return false;
            foreach (var item in Items)
                if (item.Result != code) return false;
            return true;
        }

        internal static BulkResult FromBorrowed(IntPtr borrowed)
        {
            if (borrowed == IntPtr.Zero) return null;
            using (var h = new BulkResultHandle(borrowed)) return From(h);
        }

        internal static BulkResult From(BulkResultHandle h)
        {
            if (h == null || h.IsInvalid) return null;
            string error = Native.ErrorText((byte[] b, UIntPtr n, out UIntPtr o) => Native.missive_bulk_result_error(h, b, n, out o));
            var r = new BulkResult
            {
                Error = error,
                Result = Native.missive_bulk_result_code(h),
                WasCancelled = Native.missive_bulk_result_was_cancelled(h),
                Sent = (int)Native.missive_bulk_result_count(h, (int)BulkStatus.Sent).ToUInt32(),
                Failed = (int)Native.missive_bulk_result_count(h, (int)BulkStatus.Failed).ToUInt32(),
                Unknown = (int)Native.missive_bulk_result_count(h, (int)BulkStatus.Unknown).ToUInt32(),
                NotAttempted = (int)Native.missive_bulk_result_count(h, (int)BulkStatus.NotAttempted).ToUInt32(),
            };
            var items = new List<BulkItem>();
            uint len = Native.missive_bulk_result_len(h).ToUInt32();
            for (uint i = 0; i < len; i++)
            {
                var idx = new UIntPtr(i);
                int status; MissiveResult code; string why;
                Native.missive_bulk_result_item(h, idx, out status, out code);
                Native.FetchText((byte[] b, UIntPtr l, out UIntPtr o) => Native.missive_bulk_result_message_error(h, idx, b, l, out o), out why);
                var send = SendResult.FromBorrowed(Native.missive_bulk_result_get(h, idx));
                items.Add(new BulkItem((BulkStatus)status, code, why ?? string.Empty, send));
            }
            r.Items = items.AsReadOnly();
            GC.KeepAlive(h);
            return r;
        }
    }

    /// <summary>The progress of a collection send.</summary>
    public sealed class SendProgress
    {
        public int Done { get; internal set; }
        public int Sent { get; internal set; }
        public int Failed { get; internal set; }
        public int Total { get; internal set; }
        public ulong BytesSent { get; internal set; }
        public ulong BytesTotal { get; internal set; }
    }

    /// <summary>What a queue drain did.</summary>
    public sealed class QueueDrainCounts
    {
        public int Delivered { get; internal set; }
        public int Deferred { get; internal set; }
        public int DeadLettered { get; internal set; }
        public int Recovered { get; internal set; }
        public int Remaining { get; internal set; }
    }

    /// <summary>The queue's state.</summary>
    public sealed class QueueCounts
    {
        public int Queued { get; internal set; }
        public int Due { get; internal set; }
        public int InFlight { get; internal set; }
        public int DeadLettered { get; internal set; }
        /// <summary>The earliest next attempt; null when nothing waits.</summary>
        public DateTimeOffset? NextAttempt { get; internal set; }
    }

    /// <summary>One message of the queue.</summary>
    public sealed class QueueEntry
    {
        public string Id { get; internal set; }
        /// <summary>"queued", "inflight" or "dead".</summary>
        public string State { get; internal set; }
        public int Attempts { get; internal set; }
        public DateTimeOffset? NextAttempt { get; internal set; }
        /// <summary>The last error (for dead letters, the reason).</summary>
        public string LastError { get; internal set; }
    }
}
