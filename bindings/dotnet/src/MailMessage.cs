// MailMessage and its parts, over a native missive_message (one MessageHandle).
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Text;

namespace Missive
{
    /// <summary>Another representation of the body (e.g. text/calendar or text/html).</summary>
    public class AlternateView
    {
        public AlternateView(byte[] content, string mediaType, string charset = null)
        {
            Content = content ?? throw new ArgumentNullException(nameof(content));
            MediaType = mediaType ?? "text/plain";
            Charset = charset;
        }

        /// <summary>Like System.Net.Mail: the text, its encoding (null: UTF-8) and media type.</summary>
        public static AlternateView CreateAlternateViewFromString(string content, Encoding contentEncoding, string mediaType)
        {
            if (content == null) throw new ArgumentNullException(nameof(content));
            var enc = contentEncoding ?? new UTF8Encoding(false);
            return new AlternateView(enc.GetBytes(content), mediaType ?? "text/plain", enc.WebName);
        }

        public static AlternateView CreateAlternateViewFromString(string content, string mediaType) =>
            CreateAlternateViewFromString(content, null, mediaType);

        public static AlternateView CreateAlternateViewFromString(string content) =>
            CreateAlternateViewFromString(content, null, "text/plain");

        /// <summary>e.g. <c>text/calendar; method=REQUEST</c> (without charset).</summary>
        public string MediaType { get; }
        /// <summary>e.g. <c>utf-8</c>; null for binary content.</summary>
        public string Charset { get; }
        public byte[] Content { get; }
        /// <summary>The content decoded with its charset (UTF-8 when none or unknown).</summary>
        public string ContentString
        {
            get
            {
                Encoding enc;
                try { enc = Charset == null ? Encoding.UTF8 : Encoding.GetEncoding(Charset); }
                catch (ArgumentException) { enc = Encoding.UTF8; }
                return enc.GetString(Content);
            }
        }
    }

    /// <summary>A file attached to a message.</summary>
    public class Attachment
    {
        /// <summary>Reads the file when the attachment is added to a message.</summary>
        public Attachment(string fileName, string mediaType = null)
        {
            FilePath = fileName ?? throw new ArgumentNullException(nameof(fileName));
            Name = Path.GetFileName(fileName);
            MediaType = mediaType;
        }

        public Attachment(byte[] content, string name, string mediaType = null)
        {
            Content = content ?? throw new ArgumentNullException(nameof(content));
            Name = name ?? throw new ArgumentNullException(nameof(name));
            MediaType = mediaType;
        }

        public Attachment(Stream contentStream, string name, string mediaType = null)
            : this(ReadAll(contentStream), name, mediaType) { }

        internal static byte[] ReadAll(Stream s)
        {
            if (s == null) throw new ArgumentNullException(nameof(s));
            using (var ms = new MemoryStream()) { s.CopyTo(ms); return ms.ToArray(); }
        }

        public string Name { get; internal set; }
        /// <summary>null: guessed from the name's extension.</summary>
        public string MediaType { get; internal set; }
        /// <summary>The content (null for a file attachment not yet added to a message).</summary>
        public byte[] Content { get; internal set; }
        internal string FilePath { get; }
    }

    /// <summary>An inline resource the HTML body references as <c>cid:ContentId</c>.</summary>
    public class LinkedResource
    {
        public LinkedResource(byte[] content, string contentId, string mediaType = null, string name = null)
        {
            Content = content ?? throw new ArgumentNullException(nameof(content));
            ContentId = contentId ?? throw new ArgumentNullException(nameof(contentId));
            MediaType = mediaType;
            Name = name;
        }
        public byte[] Content { get; }
        public string ContentId { get; }
        public string MediaType { get; internal set; }
        public string Name { get; }
    }

    /// <summary>An address list kept in step with the native message (To, Cc, Bcc, Reply-To).</summary>
    public sealed class MailAddressCollection : Collection<MailAddress>
    {
        readonly MailMessage owner;
        readonly RecipientKind kind;
        bool loading;

        internal MailAddressCollection(MailMessage owner, RecipientKind kind) { this.owner = owner; this.kind = kind; }

        /// <summary>Adds one address or a comma-separated list.</summary>
        public void Add(string addresses)
        {
            if (addresses == null) throw new ArgumentNullException(nameof(addresses));
            foreach (var a in MailAddress.ParseList(addresses)) Add(a);
        }

        public override string ToString() => string.Join(", ", this);

        protected override void InsertItem(int index, MailAddress item)
        {
            if (item == null) throw new ArgumentNullException(nameof(item));
            if (!loading && index == Count) owner.NativeAddRecipient(kind, item);
            base.InsertItem(index, item);
            if (!loading && index != Count - 1) Sync();
        }
        protected override void SetItem(int index, MailAddress item)
        {
            if (item == null) throw new ArgumentNullException(nameof(item));
            base.SetItem(index, item); Sync();
        }
        protected override void RemoveItem(int index) { base.RemoveItem(index); Sync(); }
        protected override void ClearItems() { base.ClearItems(); Sync(); }

        void Sync()
        {
            if (loading) return;
            owner.NativeClearRecipients(kind);
            foreach (var a in this) owner.NativeAddRecipient(kind, a);
        }

        internal void Reload(IEnumerable<string> addresses)
        {
            loading = true;
            try { base.ClearItems(); foreach (var a in addresses) base.InsertItem(Count, new MailAddress(a)); }
            finally { loading = false; }
        }
    }

    /// <summary>Parts that are added to the native message as they are added here (the C API can
    /// add parts but not remove them: removal throws NotSupportedException).</summary>
    public class PartCollection<T> : Collection<T> where T : class
    {
        readonly Action<T> add;
        bool loading;
        internal PartCollection(Action<T> add) { this.add = add; }
        protected override void InsertItem(int index, T item)
        {
            if (item == null) throw new ArgumentNullException(nameof(item));
            if (!loading)
            {
                if (index != Count) throw new NotSupportedException("parts can only be appended");
                add(item);
            }
            base.InsertItem(index, item);
        }
        protected override void SetItem(int index, T item) => throw new NotSupportedException("parts cannot be replaced");
        protected override void RemoveItem(int index) => throw new NotSupportedException("parts cannot be removed");
        protected override void ClearItems() => throw new NotSupportedException("parts cannot be removed");
        internal void Reload(IEnumerable<T> items)
        {
            loading = true;
            try { base.ClearItems(); foreach (var i in items) base.InsertItem(Count, i); }
            finally { loading = false; }
        }
    }

    /// <summary>An email message. Not thread-safe (may be moved between threads, not used
    /// concurrently). Dispose it to free the native message; Dispose twice is harmless.</summary>
    public sealed class MailMessage : IDisposable
    {
        internal MessageHandle Handle { get; private set; }

        public MailMessage() : this(Native.missive_message_new()) { }

        public MailMessage(string from, string to) : this()
        {
            From = new MailAddress(from);
            To.Add(to);
        }

        public MailMessage(MailAddress from, MailAddress to) : this()
        {
            From = from;
            To.Add(to);
        }

        public MailMessage(string from, string to, string subject, string body) : this(from, to)
        {
            Subject = subject;
            Body = body;
        }

        internal MailMessage(MessageHandle handle)
        {
            if (handle == null || handle.IsInvalid) throw new OutOfMemoryException("missive_message_new failed");
            Handle = handle;
            To = new MailAddressCollection(this, RecipientKind.To);
            CC = new MailAddressCollection(this, RecipientKind.Cc);
            Bcc = new MailAddressCollection(this, RecipientKind.Bcc);
            ReplyToList = new MailAddressCollection(this, RecipientKind.ReplyTo);
            AlternateViews = new PartCollection<AlternateView>(AddAlternateView);
            Attachments = new PartCollection<Attachment>(AddAttachment);
            LinkedResources = new PartCollection<LinkedResource>(AddLinkedResource);
            ReloadFromNative();
        }

        // ---- load and save ----

        /// <summary>Loads an .eml file; sent or saved unchanged, its bytes go out as they are.
        /// What was accepted leniently (e.g. a multipart that never closes) is in
        /// <see cref="LoadWarnings"/>.</summary>
        public static MailMessage Load(string path) => Load(path, false);

        /// <summary>Loads an .eml file. With <paramref name="strict"/>, what a lenient load accepts
        /// with a warning throws instead: a multipart that never closes
        /// (<see cref="MissiveResult.TruncatedEml"/>), a header line that is not a field
        /// (<see cref="MissiveResult.MalformedEml"/>).</summary>
        public static MailMessage Load(string path, bool strict)
        {
            var p = Native.Utf8(path ?? throw new ArgumentNullException(nameof(path)));
            return LoadWith(strict, h => Native.missive_message_load_file(h, p, Native.Len(p)), path);
        }

        public static MailMessage Load(byte[] eml) => Load(eml, false);

        /// <summary>Loads .eml bytes; <paramref name="strict"/> as for <see cref="Load(string, bool)"/>.</summary>
        public static MailMessage Load(byte[] eml, bool strict)
        {
            if (eml == null) throw new ArgumentNullException(nameof(eml));
            return LoadWith(strict, h => Native.missive_message_load_bytes(h, eml, Native.Len(eml)), null);
        }

        public static MailMessage Load(Stream stream) => Load(Attachment.ReadAll(stream), false);

        public static MailMessage Load(Stream stream, bool strict) => Load(Attachment.ReadAll(stream), strict);

        static MailMessage LoadWith(bool strict, Func<MessageHandle, MissiveResult> load, string path)
        {
            var m = new MailMessage();
            try
            {
                m.Check(Native.missive_message_set_strict_loading(m.H, strict));
                m.CheckPath(load(m.H), path);
            }
            catch { m.Dispose(); throw; }
            m.ReloadFromNative();
            return m;
        }

        /// <summary>What loading this message accepted leniently (e.g. a multipart that never
        /// closes), one sentence each; empty for a composed message or a clean load.</summary>
        public IReadOnlyList<string> LoadWarnings
        {
            get
            {
                var all = Text(Native.missive_message_load_warnings);
                return new ReadOnlyCollection<string>(all.Length == 0 ? new string[0] : all.Split('\n'));
            }
        }

        /// <summary>Loads a pickup file (X-Sender / X-Receiver lines, then the message) with
        /// its envelope: every send of the message then uses that envelope (MAIL FROM, RCPT TO,
        /// Bcc recipients included) instead of its From/To/CC/Bcc, until
        /// <see cref="ClearEnvelope"/>. Envelope-looking lines inside the message are content,
        /// never envelope.</summary>
        public static MailMessage LoadPickupFile(string path)
        {
            var m = new MailMessage();
            var p = Native.Utf8(path ?? throw new ArgumentNullException(nameof(path)));
            try { m.CheckPath(Native.missive_message_load_pickup_file(m.H, p, Native.Len(p)), path); }
            catch { m.Dispose(); throw; }
            m.ReloadFromNative();
            return m;
        }

        /// <summary>The envelope sender its sends use ("" for the null sender); null when the
        /// message has no envelope of its own (its Sender or From is used).</summary>
        public string EnvelopeSender => OptionalText(Native.missive_message_envelope_sender);

        /// <summary>The envelope recipients its sends use; empty when the message has no
        /// envelope of its own (its To, CC and Bcc are used).</summary>
        public IReadOnlyList<string> EnvelopeRecipients
        {
            get
            {
                var list = new List<string>();
                var h = H;
                uint n = Native.missive_message_envelope_recipient_count(h).ToUInt32();
                for (uint i = 0; i < n; i++)
                {
                    string s; var idx = new UIntPtr(i);
                    Check(Native.FetchText((byte[] b, UIntPtr l, out UIntPtr o) => Native.missive_message_envelope_recipient(h, idx, b, l, out o), out s));
                    list.Add(s);
                }
                return list;
            }
        }

        /// <summary>Removes the envelope <see cref="LoadPickupFile"/> gave: sends use the
        /// message's own addresses again.</summary>
        public void ClearEnvelope() => Check(Native.missive_message_clear_envelope(H));

        /// <summary>Saves as an .eml file, atomically.</summary>
        public void Save(string path)
        {
            var p = Native.Utf8(path ?? throw new ArgumentNullException(nameof(path)));
            CheckPath(Native.missive_message_save_file(H, p, Native.Len(p)), path);
        }

        public void Save(Stream stream)
        {
            var b = ToBytes();
            stream.Write(b, 0, b.Length);
        }

        /// <summary>The message as MIME (.eml bytes).</summary>
        public byte[] ToBytes()
        {
            byte[] b;
            var h = H;
            Check(Native.FetchBytes((byte[] buf, UIntPtr n, out UIntPtr o) => Native.missive_message_save_buffer(h, buf, n, out o), false, out b));
            return b;
        }

        /// <summary>An independent copy.</summary>
        public MailMessage Clone() => new MailMessage(Native.missive_message_clone(H));

        // ---- addresses ----

        public MailAddress From
        {
            get { var s = OptionalText(Native.missive_message_from); return s == null ? null : new MailAddress(s); }
            set { var b = Native.Utf8(value?.ToString() ?? throw new ArgumentNullException(nameof(value))); Check(Native.missive_message_set_from(H, b, Native.Len(b))); }
        }

        /// <summary>The Sender header (and envelope sender); null removes it.</summary>
        public MailAddress Sender
        {
            get { return sender; }
            set { var b = Native.Utf8(value?.ToString()); Check(Native.missive_message_set_sender(H, b, Native.Len(b))); sender = value; }
        }
        MailAddress sender;

        public MailAddressCollection To { get; }
        public MailAddressCollection CC { get; }
        /// <summary>Alias of <see cref="CC"/>.</summary>
        public MailAddressCollection Cc => CC;
        public MailAddressCollection Bcc { get; }
        public MailAddressCollection ReplyToList { get; }

        // ---- content ----

        public string Subject
        {
            get => Text(Native.missive_message_subject);
            set { var b = Native.Utf8(value); Check(Native.missive_message_set_subject(H, b, Native.Len(b))); }
        }

        /// <summary>The body: plain text, or HTML when IsBodyHtml is set and there is no HtmlBody.</summary>
        public string Body
        {
            get => Text(Native.missive_message_body);
            set { var b = Native.Utf8(value); Check(Native.missive_message_set_body(H, b, Native.Len(b))); }
        }

        /// <summary>An HTML body besides Body (which becomes its plain-text alternative); setting it
        /// turns IsBodyHtml on, null removes it.</summary>
        public string HtmlBody
        {
            get => OptionalText(Native.missive_message_html_body);
            set { var b = Native.Utf8(value); Check(Native.missive_message_set_html_body(H, b, Native.Len(b))); }
        }

        public bool IsBodyHtml
        {
            get => Native.missive_message_is_body_html(H);
            set => Check(Native.missive_message_set_is_body_html(H, value));
        }

        public PartCollection<AlternateView> AlternateViews { get; }
        public PartCollection<Attachment> Attachments { get; }
        public PartCollection<LinkedResource> LinkedResources { get; }

        // ---- headers and options ----

        /// <summary>Adds a custom header (not one the message sets itself).</summary>
        public void AddHeader(string name, string value)
        {
            var n = Native.Utf8(name); var v = Native.Utf8(value);
            Check(Native.missive_message_add_header(H, n, Native.Len(n), v, Native.Len(v)));
        }

        /// <summary>Sets List-Unsubscribe (RFC 2369) from an https URL and/or a mailto address,
        /// and with <paramref name="oneClick"/> also List-Unsubscribe-Post:
        /// List-Unsubscribe=One-Click (RFC 8058, needs an https URL). Both null removes them.</summary>
        public void SetListUnsubscribe(string url, string mailto, bool oneClick)
        {
            var u = Native.Utf8(url ?? ""); var m = Native.Utf8(mailto ?? "");
            Check(Native.missive_message_set_list_unsubscribe(H, u, Native.Len(u), m, Native.Len(m), oneClick));
        }

        /// <summary>The first custom header called <paramref name="name"/>; null when none.</summary>
        public string GetHeader(string name)
        {
            var n = Native.Utf8(name); var h = H;
            return OptionalText((MessageHandle m, byte[] b, UIntPtr l, out UIntPtr o) => Native.missive_message_header(h, n, Native.Len(n), b, l, out o));
        }

        public MailPriority Priority
        {
            get => priority;
            set { Check(Native.missive_message_set_priority(H, (int)value)); priority = value; }
        }
        MailPriority priority;

        /// <summary>The Date header; unset means the time of the first save or send.</summary>
        public DateTimeOffset? Date
        {
            get => date;
            set
            {
                if (value == null) throw new ArgumentNullException(nameof(value), "a date cannot be unset");
                var d = value.Value;
                Check(Native.missive_message_set_date(H, d.ToUnixTimeSeconds(), (int)d.Offset.TotalMinutes));
                date = d;
            }
        }
        DateTimeOffset? date;

        /// <summary>The Message-ID (without angle brackets); set null to have one generated.</summary>
        public string MessageId
        {
            get => OptionalText(Native.missive_message_message_id);
            set { var b = Native.Utf8(value); Check(Native.missive_message_set_message_id(H, b, Native.Len(b))); }
        }

        public DeliveryNotificationOptions DeliveryNotificationOptions
        {
            get => dsn;
            set => SetDeliveryNotification(value, DeliveryNotificationReturn.Default, null);
        }
        DeliveryNotificationOptions dsn;

        public void SetDeliveryNotification(DeliveryNotificationOptions notify, DeliveryNotificationReturn ret, string envelopeId)
        {
            var e = Native.Utf8(envelopeId);
            Check(Native.missive_message_set_delivery_notification(H, (uint)notify, (int)ret, e, Native.Len(e)));
            dsn = notify;
        }

        /// <summary>Write (and send) this message as TNEF (winmail.dat).</summary>
        public bool UseTnef
        {
            get => Native.missive_message_use_tnef(H);
            set => Check(Native.missive_message_set_use_tnef(H, value));
        }

        /// <summary>Puts a meeting request or cancellation on the message: a text/calendar
        /// alternate view (and an invite.ics attachment when <paramref name="attachIcs"/>); the To
        /// and Cc recipients become attendees, so add them first.</summary>
        public void AddAppointment(Appointment appointment, CalendarMethod method = CalendarMethod.Request, bool attachIcs = false)
        {
            if (appointment == null) throw new ArgumentNullException(nameof(appointment));
            Check(Native.missive_message_add_appointment(H, appointment.H, (int)method, attachIcs));
            ReloadFromNative();
        }

        /// <summary>Whether an address needs the SMTPUTF8 extension.</summary>
        public bool NeedsSmtpUtf8 => Native.missive_message_needs_smtputf8(H);

        /// <summary>The text of the most recent failure on this message.</summary>
        public string LastError
        {
            get { var h = H; return Native.ErrorText((byte[] b, UIntPtr n, out UIntPtr o) => Native.missive_message_error(h, b, n, out o)); }
        }

        public void Dispose() => Handle.Dispose();

        // ---- internals ----

        internal MessageHandle H
        {
            get
            {
                if (Handle.IsClosed) throw new ObjectDisposedException(nameof(MailMessage));
                return Handle;
            }
        }

        internal void Check(MissiveResult r)
        {
            if (r != MissiveResult.Ok) throw Errors.For(r, LastError);
        }

        /// <summary>As <see cref="Check"/> for a call that took <paramref name="path"/>: a missing
        /// file throws <see cref="FileNotFoundException"/>.</summary>
        internal void CheckPath(MissiveResult r, string path)
        {
            if (r != MissiveResult.Ok) throw Errors.For(r, LastError, path);
        }

        internal delegate MissiveResult Getter(MessageHandle m, byte[] buf, UIntPtr bufLen, out UIntPtr outLen);

        string Text(Getter g)
        {
            string s; var h = H;
            Check(Native.FetchText((byte[] b, UIntPtr n, out UIntPtr o) => g(h, b, n, out o), out s));
            return s;
        }

        string OptionalText(Getter g)
        {
            string s; var h = H;
            var r = Native.FetchText((byte[] b, UIntPtr n, out UIntPtr o) => g(h, b, n, out o), out s);
            if (r == MissiveResult.NotFound) return null;
            Check(r);
            return s;
        }

        internal void NativeAddRecipient(RecipientKind kind, MailAddress a)
        {
            var b = Native.Utf8(a.ToString());
            Check(Native.missive_message_add_recipients(H, (int)kind, b, Native.Len(b)));
        }

        internal void NativeClearRecipients(RecipientKind kind) => Check(Native.missive_message_clear_recipients(H, (int)kind));

        void AddAlternateView(AlternateView v)
        {
            var ct = Native.Utf8(v.MediaType); var cs = Native.Utf8(v.Charset);
            Check(Native.missive_message_add_alternate_view(H, ct, Native.Len(ct), cs, Native.Len(cs), v.Content, Native.Len(v.Content)));
        }

        void AddAttachment(Attachment a)
        {
            var name = Native.Utf8(a.Name); var ct = Native.Utf8(a.MediaType);
            int before = PartCount(PartKind.Attachment);
            if (a.FilePath != null && a.Content == null)
            {
                var p = Native.Utf8(a.FilePath);
                CheckPath(Native.missive_message_add_attachment_file(H, p, Native.Len(p), name, Native.Len(name), ct, Native.Len(ct)), a.FilePath);
                a.Content = PartBytes(PartKind.Attachment, before, PartField.Content);
            }
            else
            {
                Check(Native.missive_message_add_attachment(H, name, Native.Len(name), ct, Native.Len(ct), a.Content, Native.Len(a.Content)));
            }
            a.MediaType = PartText(PartKind.Attachment, before, PartField.ContentType);
        }

        void AddLinkedResource(LinkedResource r)
        {
            var id = Native.Utf8(r.ContentId); var name = Native.Utf8(r.Name); var ct = Native.Utf8(r.MediaType);
            int before = PartCount(PartKind.InlineResource);
            Check(Native.missive_message_add_inline_resource(H, id, Native.Len(id), name, Native.Len(name), ct, Native.Len(ct), r.Content, Native.Len(r.Content)));
            r.MediaType = PartText(PartKind.InlineResource, before, PartField.ContentType);
        }

        int PartCount(PartKind kind) => (int)Native.missive_message_part_count(H, (int)kind).ToUInt32();

        byte[] PartBytes(PartKind kind, int index, PartField field)
        {
            byte[] b; var h = H; var idx = new UIntPtr((uint)index);
            var r = Native.FetchBytes((byte[] buf, UIntPtr n, out UIntPtr o) => Native.missive_message_part_field(h, (int)kind, idx, (int)field, buf, n, out o), field != PartField.Content, out b);
            if (r == MissiveResult.NotFound) return null;
            Check(r);
            return b;
        }

        string PartText(PartKind kind, int index, PartField field)
        {
            var b = PartBytes(kind, index, field);
            return b == null ? null : Encoding.UTF8.GetString(b);
        }

        List<string> NativeRecipients(RecipientKind kind)
        {
            var list = new List<string>();
            var h = H;
            uint n = Native.missive_message_recipient_count(h, (int)kind).ToUInt32();
            for (uint i = 0; i < n; i++)
            {
                string s; var idx = new UIntPtr(i);
                Check(Native.FetchText((byte[] b, UIntPtr l, out UIntPtr o) => Native.missive_message_recipient(h, (int)kind, idx, b, l, out o), out s));
                list.Add(s);
            }
            return list;
        }

        // Fills the managed collections from the native message (after a load or clone).
        void ReloadFromNative()
        {
            To.Reload(NativeRecipients(RecipientKind.To));
            CC.Reload(NativeRecipients(RecipientKind.Cc));
            Bcc.Reload(NativeRecipients(RecipientKind.Bcc));
            ReplyToList.Reload(NativeRecipients(RecipientKind.ReplyTo));
            var views = new List<AlternateView>();
            for (int i = 0; i < PartCount(PartKind.AlternateView); i++)
                views.Add(new AlternateView(PartBytes(PartKind.AlternateView, i, PartField.Content), PartText(PartKind.AlternateView, i, PartField.ContentType), PartText(PartKind.AlternateView, i, PartField.Charset)));
            AlternateViews.Reload(views);
            var atts = new List<Attachment>();
            for (int i = 0; i < PartCount(PartKind.Attachment); i++)
                atts.Add(new Attachment(PartBytes(PartKind.Attachment, i, PartField.Content), PartText(PartKind.Attachment, i, PartField.Name) ?? "attachment", PartText(PartKind.Attachment, i, PartField.ContentType)));
            Attachments.Reload(atts);
            var res = new List<LinkedResource>();
            for (int i = 0; i < PartCount(PartKind.InlineResource); i++)
                res.Add(new LinkedResource(PartBytes(PartKind.InlineResource, i, PartField.Content), PartText(PartKind.InlineResource, i, PartField.ContentId) ?? string.Empty, PartText(PartKind.InlineResource, i, PartField.ContentType), PartText(PartKind.InlineResource, i, PartField.Name)));
            LinkedResources.Reload(res);
        }
    }

    /// <summary>An ordered list of messages sent together (<see cref="SmtpClient.Send(MailMessageCollection)"/>).
    /// Add stores a copy: the caller still disposes the message it added.</summary>
    public sealed class MailMessageCollection : IDisposable, IEnumerable<MailMessage>
    {
        internal MessageCollectionHandle Handle { get; }

        public MailMessageCollection()
        {
            Handle = Native.missive_message_collection_new();
            if (Handle == null || Handle.IsInvalid) throw new OutOfMemoryException("missive_message_collection_new failed");
        }

        public void Add(MailMessage message)
        {
            if (message == null) throw new ArgumentNullException(nameof(message));
            var r = Native.missive_message_collection_add(H, message.H);
            if (r != MissiveResult.Ok) throw Errors.For(r, LastError);
        }

        public int Count => (int)Native.missive_message_collection_len(H).ToUInt32();

        /// <summary>A copy of the message at <paramref name="index"/> (dispose it).</summary>
        public MailMessage this[int index]
        {
            get
            {
                if (index < 0) throw new ArgumentOutOfRangeException(nameof(index));
                IntPtr borrowed = Native.missive_message_collection_get(H, new UIntPtr((uint)index));
                if (borrowed == IntPtr.Zero) throw new ArgumentOutOfRangeException(nameof(index));
                // Keep the collection alive until the borrowed message is copied.
                var copy = new MailMessage(Native.missive_message_clone_borrowed(borrowed));
                GC.KeepAlive(this);
                return copy;
            }
        }

        public IEnumerator<MailMessage> GetEnumerator()
        {
            for (int i = 0; i < Count; i++) yield return this[i];
        }
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public string LastError
        {
            get { var h = H; return Native.ErrorText((byte[] b, UIntPtr n, out UIntPtr o) => Native.missive_message_collection_error(h, b, n, out o)); }
        }

        public void Dispose() => Handle.Dispose();

        internal MessageCollectionHandle H
        {
            get
            {
                if (Handle.IsClosed) throw new ObjectDisposedException(nameof(MailMessageCollection));
                return Handle;
            }
        }
    }
}
