// SmtpClient: asynchronous sends, multi-connection bulk sending, forwarding, durable queue.
using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace Missive
{
    public sealed partial class SmtpClient
    {
        // ---- asynchronous sends (missive_client_send_async / _collection_async) ----

        delegate MissiveResult StartOperation(IntPtr userdata, out OperationHandle op);

        sealed class OperationState
        {
            public readonly TaskCompletionSource<bool> Done =
                new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            public MissiveResult Code;
            public BulkResult Result;
            public Exception Error;
        }

        // One static delegate for every operation (kept alive by this field); userdata is a
        // GCHandle to the operation's state, freed by UserdataFree after the callback.
        static readonly Native.CompletionCallback Completion = OnCompletion;

        static void OnCompletion(IntPtr userdata, MissiveResult code, IntPtr result)
        {
            var st = (OperationState)GCHandle.FromIntPtr(userdata).Target;
            try
            {
                st.Code = code;
                st.Result = BulkResult.FromBorrowed(result); // valid only during the callback
            }
            catch (Exception e)
            {
                st.Error = e;
            }
            st.Done.TrySetResult(true);
        }

        async Task<BulkResult> RunOperation(bool single, StartOperation start, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            var st = new OperationState();
            var gch = GCHandle.Alloc(st);
            OperationHandle op = null;
            MissiveResult r;
            try { r = start(GCHandle.ToIntPtr(gch), out op); }
            catch { gch.Free(); throw; }
            if (r != MissiveResult.Ok)
            {
                gch.Free(); // on failure the library never calls the callbacks
                op?.Dispose();
                throw new SmtpException(r, LastError, null);
            }
            using (op)
            using (ct.Register(() =>
            {
                try { Native.missive_operation_cancel(op); }
                catch (ObjectDisposedException) { }
            }))
            {
                await st.Done.Task.ConfigureAwait(false);
                if (st.Error != null) throw st.Error;
                // The callback has returned once the operation counts as done.
                if (!Native.missive_operation_is_done(op)) Native.missive_operation_wait(op, -1);
                var code = Native.missive_operation_result_code(op);
                if (st.Result == null) st.Result = BulkResult.FromBorrowed(Native.missive_operation_result(op));
                if (code == MissiveResult.Ok) return st.Result;
                if (code == MissiveResult.Cancelled && ct.IsCancellationRequested) throw new OperationCanceledException(ct);
                string detail = Native.ErrorText((byte[] b, UIntPtr n, out UIntPtr o) => Native.missive_operation_error(op, b, n, out o));
                if (single)
                {
                    var item = st.Result != null && st.Result.Items.Count > 0 ? st.Result.Items[0] : null;
                    string own = item?.SendResult != null ? item.SendResult.Detail : item?.Error;
                    if (!string.IsNullOrEmpty(own)) detail = own;
                    if (code == MissiveResult.AllRecipientsRejected || code == MissiveResult.SomeRecipientsRejected)
                        throw new SmtpFailedRecipientsException(code, detail, item?.SendResult);
                    throw new SmtpException(code, detail, item?.SendResult);
                }
                // A collection: its outcomes are the result, unless nothing could be attempted.
                if (st.Result != null && !st.Result.NothingAttempted(code)) return st.Result;
                throw new SmtpBulkException(code, detail, st.Result);
            }
        }

        // ---- TNEF ----

        bool useTnef;

        /// <summary>Send every message as TNEF (winmail.dat) instead of ordinary MIME.</summary>
        public bool UseTnef
        {
            get => useTnef;
            set { Check(Native.missive_client_set_use_tnef(H, value)); useTnef = value; }
        }

        // ---- multi-connection, retries, progress ----

        bool multiConnection;
        int connections = 4;
        int batchSize = 100;
        Func<SendProgress, bool> progress;

        /// <summary>Send collections over several connections at once (ConnectionsQuantity of them).</summary>
        public bool UseMultiConnection
        {
            get => multiConnection;
            set { Check(Native.missive_client_set_multi_connection(H, value)); multiConnection = value; }
        }

        /// <summary>How many connections multi-connection sending uses (1 to 64; default 4).</summary>
        public int ConnectionsQuantity
        {
            get => connections;
            set
            {
                if (value < 1) throw new ArgumentOutOfRangeException(nameof(value));
                Check(Native.missive_client_set_connections(H, new UIntPtr((uint)value))); connections = value;
            }
        }

        /// <summary>Most messages per batch of a collection send (1 to 10000; default 100). A
        /// collection of n messages over c connections goes in batches of ceil(n / c), at most this
        /// many.</summary>
        public int BatchSize
        {
            get => batchSize;
            set
            {
                if (value < 1) throw new ArgumentOutOfRangeException(nameof(value));
                Check(Native.missive_client_set_batch_size(H, new UIntPtr((uint)value))); batchSize = value;
            }
        }

        /// <summary>At most <paramref name="maxAttempts"/> attempts per message of a collection after
        /// transient failures; <paramref name="retryUnknown"/> also resends a message whose outcome is
        /// unknown (it may then arrive twice).</summary>
        public void SetRetryPolicy(int maxAttempts, bool retryUnknown)
        {
            if (maxAttempts < 1) throw new ArgumentOutOfRangeException(nameof(maxAttempts));
            Check(Native.missive_client_set_retry_policy(H, (uint)maxAttempts, retryUnknown));
        }

        static readonly Native.ProgressCallback ProgressTrampoline = OnProgress;

        static int OnProgress(IntPtr userdata, ref Native.NativeProgress p)
        {
            try
            {
                var f = (Func<SendProgress, bool>)GCHandle.FromIntPtr(userdata).Target;
                return f(new SendProgress
                {
                    Done = (int)p.done.ToUInt32(), Sent = (int)p.sent.ToUInt32(), Failed = (int)p.failed.ToUInt32(),
                    Total = (int)p.total.ToUInt32(), BytesSent = p.bytes_sent, BytesTotal = p.bytes_total,
                }) ? 0 : 1;
            }
            catch (Exception)
            {
                return 1; // an exception cancels the send
            }
        }

        /// <summary>Receives the progress of collection sends after each batch (on the sending
        /// thread or a library thread); return false to cancel. null removes it.</summary>
        public Func<SendProgress, bool> Progress
        {
            get => progress;
            set
            {
                if (value == null)
                    Check(Native.missive_client_set_progress_callback(H, null, IntPtr.Zero, null));
                else
                {
                    var gch = GCHandle.Alloc(value);
                    Check(Native.missive_client_set_progress_callback(H, ProgressTrampoline, GCHandle.ToIntPtr(gch), UserdataFree));
                }
                progress = value;
            }
        }

        // ---- forwarding ----

        string forwardSender;

        /// <summary>The forwarding address: envelope sender of every forward, Resent-From of
        /// Resend, From of Attach. null clears it.</summary>
        public string ForwardSender
        {
            get => forwardSender;
            set { var b = Native.Utf8(value); Check(Native.missive_client_set_forward_sender(H, b, Native.Len(b))); forwardSender = value; }
        }

        /// <summary>Forwards <paramref name="message"/> (unchanged) to <paramref name="recipients"/>
        /// (comma-separated) and nobody else.</summary>
        public SendResult Forward(MailMessage message, ForwardMode mode, string recipients)
        {
            if (message == null) throw new ArgumentNullException(nameof(message));
            var rc = Native.Utf8(recipients);
            SendResultHandle raw;
            var r = Native.missive_client_forward(H, message.H, (int)mode, rc, Native.Len(rc), out raw);
            return Finish(r, raw);
        }

        /// <summary>Forwards the .eml file at <paramref name="path"/> without loading it (new
        /// envelope; the bytes unchanged but for Bcc).</summary>
        public SendResult ForwardFile(string path, string mailFrom, string recipients)
        {
            var p = Native.Utf8(path); var f = Native.Utf8(mailFrom); var rc = Native.Utf8(recipients);
            SendResultHandle raw;
            var r = Native.missive_client_forward_file(H, p, Native.Len(p), f, Native.Len(f), rc, Native.Len(rc), out raw);
            if (r == MissiveResult.FileNotFound || r == MissiveResult.PermissionDenied)
            {
                raw.Dispose();
                throw Errors.For(r, LastError, path);
            }
            return Finish(r, raw);
        }

        /// <summary>Forwards the message in an open file, from its position to its end (the file
        /// descriptor is read directly; the stream stays open).</summary>
        public SendResult Forward(FileStream file, string mailFrom, string recipients)
        {
            if (file == null) throw new ArgumentNullException(nameof(file));
            file.Seek(file.Position, SeekOrigin.Begin); // the descriptor's offset = Position
            var f = Native.Utf8(mailFrom); var rc = Native.Utf8(recipients);
            SendResultHandle raw;
            bool added = false;
            var fh = file.SafeFileHandle;
            try
            {
                fh.DangerousAddRef(ref added);
                int fd = fh.DangerousGetHandle().ToInt32();
                var r = Native.missive_client_forward_fd(H, fd, f, Native.Len(f), rc, Native.Len(rc), out raw);
                return Finish(r, raw);
            }
            finally
            {
                if (added) fh.DangerousRelease();
            }
        }

        static readonly Native.ReadCallback ReadTrampoline = OnRead;

        sealed class ReadState
        {
            public Stream Stream;
            public byte[] Buffer = new byte[64 * 1024];
            public Exception Error;
        }

        static long OnRead(IntPtr userdata, IntPtr buf, UIntPtr len)
        {
            var st = (ReadState)GCHandle.FromIntPtr(userdata).Target;
            try
            {
                int want = (int)Math.Min((ulong)st.Buffer.Length, len.ToUInt64());
                int n = st.Stream.Read(st.Buffer, 0, want);
                if (n > 0) Marshal.Copy(st.Buffer, 0, buf, n);
                return n;
            }
            catch (Exception e)
            {
                st.Error = e;
                return -1;
            }
        }

        /// <summary>Forwards the message a stream yields, without loading it (nothing is read
        /// before the server accepted the envelope). <paramref name="sizeHint"/>: its size, or -1.
        /// A failing stream aborts the transaction: nothing is delivered.</summary>
        public SendResult Forward(Stream stream, long sizeHint, string mailFrom, string recipients)
        {
            if (stream == null) throw new ArgumentNullException(nameof(stream));
            var st = new ReadState { Stream = stream };
            var gch = GCHandle.Alloc(st);
            try
            {
                var f = Native.Utf8(mailFrom); var rc = Native.Utf8(recipients);
                SendResultHandle raw;
                var r = Native.missive_client_forward_stream(H, ReadTrampoline, GCHandle.ToIntPtr(gch), sizeHint, f, Native.Len(f), rc, Native.Len(rc), out raw);
                if (r != MissiveResult.Ok && st.Error != null)
                {
                    SendResult res;
                    using (raw) res = SendResult.From(raw);
                    throw new SmtpException(r, st.Error.Message, res);
                }
                return Finish(r, raw);
            }
            finally
            {
                gch.Free();
            }
        }

        // ---- durable queue ----

        string queueDirectory;

        /// <summary>The queue directory (created when missing) of Enqueue and DrainQueue.</summary>
        public string QueueDirectory
        {
            get => queueDirectory;
            set { var b = Native.Utf8(value); Check(Native.missive_client_set_queue_directory(H, b, Native.Len(b))); queueDirectory = value; }
        }

        string queueUrl;

        /// <summary>The queue named by URL: <c>file:///absolute/path</c> (the filesystem queue) or
        /// <c>postgres://user:pass@host:5432/db?schema=missive</c> (a PostgreSQL queue that drainers on
        /// many hosts share). A URL that cannot work throws with Result QueueUrlInvalid.</summary>
        public string QueueUrl
        {
            get => queueUrl;
            set { var b = Native.Utf8(value); Check(Native.missive_client_set_queue_url(H, b, Native.Len(b))); queueUrl = value; }
        }

        TimeSpan queueLease = TimeSpan.FromSeconds(30);

        /// <summary>How long a database queue's drainer holds a claimed message before another may
        /// take it (renewed while the message is sent). Default 30 s, at least 0.5 s.</summary>
        public TimeSpan QueueLease
        {
            get => queueLease;
            set { Check(Native.missive_client_set_queue_lease(H, (ulong)value.TotalMilliseconds)); queueLease = value; }
        }

        bool queueIdempotent;

        /// <summary>Enqueue at most once per Message-ID: a message whose Message-ID is already in the
        /// queue is not added again.</summary>
        public bool QueueIdempotent
        {
            get => queueIdempotent;
            set { Check(Native.missive_client_set_queue_idempotent(H, value)); queueIdempotent = value; }
        }

        /// <summary>Backoff after failed attempts (initial, doubling, at most max) and the number of
        /// failed attempts after which a message is dead-lettered.</summary>
        public void SetQueueRetry(TimeSpan initialDelay, TimeSpan maxDelay, int maxAttempts)
        {
            Check(Native.missive_client_set_queue_retry(H, (ulong)initialDelay.TotalMilliseconds, (ulong)maxDelay.TotalMilliseconds, (uint)maxAttempts));
        }

        /// <summary>Writes the message durably into the queue (nothing is sent: DrainQueue delivers it).</summary>
        public void Enqueue(MailMessage message)
        {
            if (message == null) throw new ArgumentNullException(nameof(message));
            Check(Native.missive_client_send_to_queue(H, message.H));
        }

        /// <summary>Delivers due messages: at most <paramref name="maxMessages"/> (0: no limit),
        /// starting none after <paramref name="timeBudget"/> (null: no limit). When the server
        /// cannot be reached (or refuses TLS or the credentials) the drain stops and throws
        /// <see cref="QueueDrainException"/> (an <see cref="SmtpException"/>) with Result
        /// QueueServerUnavailable, the connection error and the drain's counts: the messages
        /// stay queued. A database queue that cannot be reached throws the same exception with
        /// Result QueueDatabaseUnavailable.</summary>
        public QueueDrainCounts DrainQueue(int maxMessages = 0, TimeSpan? timeBudget = null)
        {
            Native.NativeQueueDrainCounts c;
            var r = Native.missive_client_drain_queue(H, new UIntPtr((uint)Math.Max(0, maxMessages)),
                timeBudget.HasValue ? (ulong)timeBudget.Value.TotalMilliseconds : 0, out c);
            var counts = new QueueDrainCounts
            {
                Delivered = (int)c.delivered.ToUInt32(), Deferred = (int)c.deferred.ToUInt32(),
                DeadLettered = (int)c.dead_lettered.ToUInt32(), Recovered = (int)c.recovered.ToUInt32(),
                Remaining = (int)c.remaining.ToUInt32(),
            };
            // The C call writes the counts with these two codes too (zeros when it wrote none).
            if (r == MissiveResult.QueueServerUnavailable || r == MissiveResult.QueueDatabaseUnavailable)
                throw new QueueDrainException(r, LastError, counts);
            CheckSmtp(r);
            return counts;
        }

        public QueueCounts GetQueueState()
        {
            Native.NativeQueueCounts c;
            Check(Native.missive_client_queue_state(H, out c));
            return new QueueCounts
            {
                Queued = (int)c.queued.ToUInt32(), Due = (int)c.due.ToUInt32(), InFlight = (int)c.in_flight.ToUInt32(),
                DeadLettered = (int)c.dead_lettered.ToUInt32(),
                NextAttempt = c.next_attempt_unix_ms == 0 ? (DateTimeOffset?)null : DateTimeOffset.FromUnixTimeMilliseconds((long)c.next_attempt_unix_ms),
            };
        }

        /// <summary>The queue's messages, queued ones first, oldest first.</summary>
        public QueueEntry[] GetQueueList()
        {
            string text; var h = H;
            Check(Native.FetchText((byte[] b, UIntPtr n, out UIntPtr o) => Native.missive_client_queue_list(h, b, n, out o), out text));
            var list = new List<QueueEntry>();
            foreach (var line in text.Split('\n'))
            {
                var f = line.Split(new[] { '\t' }, 5);
                if (f.Length < 5) continue;
                long next; long.TryParse(f[3], out next);
                int attempts; int.TryParse(f[2], out attempts);
                list.Add(new QueueEntry
                {
                    Id = f[0], State = f[1], Attempts = attempts, LastError = f[4],
                    NextAttempt = next == 0 ? (DateTimeOffset?)null : DateTimeOffset.FromUnixTimeMilliseconds(next),
                });
            }
            return list.ToArray();
        }
    }
}
