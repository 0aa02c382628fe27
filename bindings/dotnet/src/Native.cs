// P/Invoke declarations for include/missive.h and one SafeHandle per handle type.
//
// Conventions: every text argument is passed as UTF-8 bytes plus a length (byte[], UIntPtr),
// never NUL-terminated; size_t is UIntPtr; C `bool` is one byte ([MarshalAs(I1)]); enums are
// passed as int. SafeHandle types appear in the signatures; IntPtr only in the _free functions
// and for pointers the library lends (missive_message_collection_get) or callback arguments.
// [DllImport] (not LibraryImport) so that the same code runs on .NET Framework, Mono and
// .NET 6+ alike.
using System;
using System.Runtime.InteropServices;
using System.Text;

namespace Missive
{
    internal static class Native
    {
        internal const string Lib = "missive";

        // Before the first call into the library: where to find it (NativeLoader.cs).
        static Native() { NativeLoader.Register(); }

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void LogCallback(IntPtr userdata, int direction, IntPtr line, UIntPtr lineLen);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void UserdataFreeCallback(IntPtr userdata);

        // ---- library ----
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr missive_version();
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr missive_result_str(int result);

        // ---- client ----
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern ClientHandle missive_client_new();
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void missive_client_free(IntPtr client);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_error(ClientHandle client, byte[] buf, UIntPtr bufLen, out UIntPtr outLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_host(ClientHandle client, byte[] host, UIntPtr len);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_port(ClientHandle client, ushort port);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_username(ClientHandle client, byte[] v, UIntPtr len);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_password(ClientHandle client, byte[] v, UIntPtr len);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_security(ClientHandle client, int security);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_delivery_method(ClientHandle client, int method);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_pickup_directory(ClientHandle client, byte[] path, UIntPtr len);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_send(ClientHandle client, MessageHandle message, out SendResultHandle result);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_send_collection(ClientHandle client, MessageCollectionHandle collection, out BulkResultHandle result);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_add_dkim_signer(ClientHandle client, byte[] domain, UIntPtr domainLen, byte[] selector, UIntPtr selectorLen, byte[] keyPem, UIntPtr keyPemLen, int algorithm, uint flags);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_add_dkim_signer_file(ClientHandle client, byte[] domain, UIntPtr domainLen, byte[] selector, UIntPtr selectorLen, byte[] path, UIntPtr pathLen, int algorithm, uint flags);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_clear_dkim_signers(ClientHandle client);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UIntPtr missive_client_dkim_signer_count(ClientHandle client);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_set_list_unsubscribe(MessageHandle message, byte[] url, UIntPtr urlLen, byte[] mailto, UIntPtr mailtoLen, [MarshalAs(UnmanagedType.I1)] bool oneClick);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_url(ClientHandle client, byte[] url, UIntPtr len);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_oauth2_token(ClientHandle client, byte[] token, UIntPtr len);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate int TokenCallback(IntPtr userdata, [MarshalAs(UnmanagedType.I1)] bool refresh, IntPtr buf, UIntPtr bufLen, out UIntPtr outLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_token_provider(ClientHandle client, TokenCallback cb, IntPtr userdata, UserdataFreeCallback userdataFree);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_proxy(ClientHandle client, byte[] url, UIntPtr len);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_auth_mechanism(ClientHandle client, int mechanism);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_client_name(ClientHandle client, byte[] name, UIntPtr len);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_timeouts(ClientHandle client, uint connectMs, uint commandMs);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_total_timeout(ClientHandle client, ulong totalMs);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_ca_file(ClientHandle client, byte[] path, UIntPtr len);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_client_certificate(ClientHandle client, byte[] cert, UIntPtr certLen, byte[] key, UIntPtr keyLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_min_tls_version(ClientHandle client, int version);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_dangerous_accept_invalid_certs(ClientHandle client, [MarshalAs(UnmanagedType.I1)] bool accept);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_pipelining(ClientHandle client, [MarshalAs(UnmanagedType.I1)] bool enable);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_chunking(ClientHandle client, [MarshalAs(UnmanagedType.I1)] bool enable);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_require_all_recipients(ClientHandle client, [MarshalAs(UnmanagedType.I1)] bool require);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_protocol_log(ClientHandle client, LogCallback cb, IntPtr userdata, UserdataFreeCallback userdataFree);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_protocol_log_connection_numbers(ClientHandle client, [MarshalAs(UnmanagedType.I1)] bool enabled);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_send_raw(ClientHandle client, byte[] mailFrom, UIntPtr mailFromLen, byte[] recipients, UIntPtr recipientsLen, byte[] data, UIntPtr dataLen, out SendResultHandle result);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_noop(ClientHandle client);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_validate_credentials(ClientHandle client);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_capabilities(ClientHandle client, byte[] buf, UIntPtr bufLen, out UIntPtr outLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_close(ClientHandle client);

        // ---- collection ----
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MessageCollectionHandle missive_message_collection_new();
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void missive_message_collection_free(IntPtr collection);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_collection_add(MessageCollectionHandle collection, MessageHandle message);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UIntPtr missive_message_collection_len(MessageCollectionHandle collection);
        // Returns a pointer the collection lends (never freed by us): IntPtr, cloned at once.
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr missive_message_collection_get(MessageCollectionHandle collection, UIntPtr index);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_collection_error(MessageCollectionHandle collection, byte[] buf, UIntPtr bufLen, out UIntPtr outLen);

        // ---- message ----
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MessageHandle missive_message_new();
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MessageHandle missive_message_clone(MessageHandle message);
        // The same function for a message the collection lends.
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, EntryPoint = "missive_message_clone")]
        internal static extern MessageHandle missive_message_clone_borrowed(IntPtr message);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void missive_message_free(IntPtr message);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_error(MessageHandle message, byte[] buf, UIntPtr bufLen, out UIntPtr outLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_load_file(MessageHandle message, byte[] path, UIntPtr len);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_load_bytes(MessageHandle message, byte[] data, UIntPtr len);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_load_pickup_file(MessageHandle message, byte[] path, UIntPtr len);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_envelope_sender(MessageHandle message, byte[] buf, UIntPtr bufLen, out UIntPtr outLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UIntPtr missive_message_envelope_recipient_count(MessageHandle message);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_envelope_recipient(MessageHandle message, UIntPtr index, byte[] buf, UIntPtr bufLen, out UIntPtr outLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_clear_envelope(MessageHandle message);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_set_strict_loading(MessageHandle message, [MarshalAs(UnmanagedType.I1)] bool strict);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_load_warnings(MessageHandle message, byte[] buf, UIntPtr bufLen, out UIntPtr outLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_save_file(MessageHandle message, byte[] path, UIntPtr len);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_save_buffer(MessageHandle message, byte[] buf, UIntPtr bufLen, out UIntPtr outLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_set_from(MessageHandle message, byte[] address, UIntPtr len);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_set_sender(MessageHandle message, byte[] address, UIntPtr len);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_add_recipients(MessageHandle message, int kind, byte[] addresses, UIntPtr len);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_clear_recipients(MessageHandle message, int kind);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UIntPtr missive_message_recipient_count(MessageHandle message, int kind);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_recipient(MessageHandle message, int kind, UIntPtr index, byte[] buf, UIntPtr bufLen, out UIntPtr outLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_from(MessageHandle message, byte[] buf, UIntPtr bufLen, out UIntPtr outLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_set_subject(MessageHandle message, byte[] subject, UIntPtr len);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_subject(MessageHandle message, byte[] buf, UIntPtr bufLen, out UIntPtr outLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_set_body(MessageHandle message, byte[] body, UIntPtr len);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_body(MessageHandle message, byte[] buf, UIntPtr bufLen, out UIntPtr outLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_set_html_body(MessageHandle message, byte[] html, UIntPtr len);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_html_body(MessageHandle message, byte[] buf, UIntPtr bufLen, out UIntPtr outLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_set_is_body_html(MessageHandle message, [MarshalAs(UnmanagedType.I1)] bool isHtml);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        internal static extern bool missive_message_is_body_html(MessageHandle message);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_add_alternate_view(MessageHandle message, byte[] contentType, UIntPtr contentTypeLen, byte[] charset, UIntPtr charsetLen, byte[] content, UIntPtr contentLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_add_attachment(MessageHandle message, byte[] name, UIntPtr nameLen, byte[] contentType, UIntPtr contentTypeLen, byte[] data, UIntPtr dataLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_add_attachment_file(MessageHandle message, byte[] path, UIntPtr pathLen, byte[] name, UIntPtr nameLen, byte[] contentType, UIntPtr contentTypeLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_add_inline_resource(MessageHandle message, byte[] contentId, UIntPtr contentIdLen, byte[] name, UIntPtr nameLen, byte[] contentType, UIntPtr contentTypeLen, byte[] data, UIntPtr dataLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UIntPtr missive_message_part_count(MessageHandle message, int kind);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_part_field(MessageHandle message, int kind, UIntPtr index, int field, byte[] buf, UIntPtr bufLen, out UIntPtr outLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_add_header(MessageHandle message, byte[] name, UIntPtr nameLen, byte[] value, UIntPtr valueLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_header(MessageHandle message, byte[] name, UIntPtr nameLen, byte[] buf, UIntPtr bufLen, out UIntPtr outLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_set_priority(MessageHandle message, int priority);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_set_date(MessageHandle message, long unixSeconds, int utcOffsetMinutes);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_set_message_id(MessageHandle message, byte[] id, UIntPtr len);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_message_id(MessageHandle message, byte[] buf, UIntPtr bufLen, out UIntPtr outLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_set_delivery_notification(MessageHandle message, uint notify, int ret, byte[] envelopeId, UIntPtr envelopeIdLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        internal static extern bool missive_message_needs_smtputf8(MessageHandle message);

        // ---- send result ----
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void missive_send_result_free(IntPtr result);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        internal static extern bool missive_send_result_delivered(SendResultHandle result);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        internal static extern bool missive_send_result_is_transient(SendResultHandle result);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        internal static extern bool missive_send_result_outcome_unknown(SendResultHandle result);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern ushort missive_send_result_reply_code(SendResultHandle result);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_send_result_code(SendResultHandle result);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_send_result_detail(SendResultHandle result, byte[] buf, UIntPtr bufLen, out UIntPtr outLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_send_result_text(SendResultHandle result, int which, byte[] buf, UIntPtr bufLen, out UIntPtr outLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UIntPtr missive_send_result_accepted_count(SendResultHandle result);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_send_result_accepted(SendResultHandle result, UIntPtr index, byte[] buf, UIntPtr bufLen, out UIntPtr outLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UIntPtr missive_send_result_rejected_count(SendResultHandle result);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_send_result_rejected(SendResultHandle result, UIntPtr index, byte[] buf, UIntPtr bufLen, out UIntPtr outLen, out ushort code);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_send_result_rejected_reply(SendResultHandle result, UIntPtr index, byte[] buf, UIntPtr bufLen, out UIntPtr outLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_send_result_error(SendResultHandle result, byte[] buf, UIntPtr bufLen, out UIntPtr outLen);

        // ---- bulk results ----
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void missive_bulk_result_free(IntPtr result);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UIntPtr missive_bulk_result_len(BulkResultHandle result);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UIntPtr missive_bulk_result_count(BulkResultHandle result, int status);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_bulk_result_code(BulkResultHandle result);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        internal static extern bool missive_bulk_result_was_cancelled(BulkResultHandle result);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_bulk_result_item(BulkResultHandle result, UIntPtr index, out int status, out MissiveResult code);
        // Returns a send result the bulk result lends (wrapped in a non-owning SendResultHandle).
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr missive_bulk_result_get(BulkResultHandle result, UIntPtr index);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_bulk_result_message_error(BulkResultHandle result, UIntPtr index, byte[] buf, UIntPtr bufLen, out UIntPtr outLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_bulk_result_error(BulkResultHandle result, byte[] buf, UIntPtr bufLen, out UIntPtr outLen);

        // ---- multi-connection, retry, progress ----
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_multi_connection(ClientHandle client, [MarshalAs(UnmanagedType.I1)] bool enabled);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_connections(ClientHandle client, UIntPtr connections);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_batch_size(ClientHandle client, UIntPtr batchSize);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_retry_policy(ClientHandle client, uint maxAttempts, [MarshalAs(UnmanagedType.I1)] bool retryUnknown);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_progress_callback(ClientHandle client, ProgressCallback cb, IntPtr userdata, UserdataFreeCallback userdataFree);

        // ---- asynchronous sends ----
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_send_async(ClientHandle client, MessageHandle message, CompletionCallback cb, IntPtr userdata, UserdataFreeCallback userdataFree, out OperationHandle op);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_send_collection_async(ClientHandle client, MessageCollectionHandle collection, CompletionCallback cb, IntPtr userdata, UserdataFreeCallback userdataFree, out OperationHandle op);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_operation_wait(OperationHandle op, long timeoutMs);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_operation_cancel(OperationHandle op);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        internal static extern bool missive_operation_is_done(OperationHandle op);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_operation_result_code(OperationHandle op);
        // Returns a bulk result the operation lends.
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr missive_operation_result(OperationHandle op);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_operation_error(OperationHandle op, byte[] buf, UIntPtr bufLen, out UIntPtr outLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void missive_operation_free(IntPtr op);

        // ---- forwarding ----
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_forward_sender(ClientHandle client, byte[] address, UIntPtr len);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_forward(ClientHandle client, MessageHandle message, int mode, byte[] recipients, UIntPtr recipientsLen, out SendResultHandle result);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_forward_file(ClientHandle client, byte[] path, UIntPtr pathLen, byte[] mailFrom, UIntPtr mailFromLen, byte[] recipients, UIntPtr recipientsLen, out SendResultHandle result);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_forward_fd(ClientHandle client, int fd, byte[] mailFrom, UIntPtr mailFromLen, byte[] recipients, UIntPtr recipientsLen, out SendResultHandle result);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_forward_stream(ClientHandle client, ReadCallback readCb, IntPtr userdata, long sizeHint, byte[] mailFrom, UIntPtr mailFromLen, byte[] recipients, UIntPtr recipientsLen, out SendResultHandle result);

        // ---- durable queue ----
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_queue_directory(ClientHandle client, byte[] path, UIntPtr len);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_queue_url(ClientHandle client, byte[] url, UIntPtr len);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_queue_lease(ClientHandle client, ulong leaseMs);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_queue_idempotent(ClientHandle client, [MarshalAs(UnmanagedType.I1)] bool idempotent);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_queue_retry(ClientHandle client, ulong initialDelayMs, ulong maxDelayMs, uint maxAttempts);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_send_to_queue(ClientHandle client, MessageHandle message);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_drain_queue(ClientHandle client, UIntPtr maxMessages, ulong timeBudgetMs, out NativeQueueDrainCounts counts);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_queue_state(ClientHandle client, out NativeQueueCounts counts);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_queue_list(ClientHandle client, byte[] buf, UIntPtr bufLen, out UIntPtr outLen);

        // ---- appointments and TNEF ----
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern AppointmentHandle missive_appointment_new();
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void missive_appointment_free(IntPtr appointment);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_appointment_error(AppointmentHandle appointment, byte[] buf, UIntPtr bufLen, out UIntPtr outLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_appointment_set_text(AppointmentHandle appointment, int field, byte[] text, UIntPtr len);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_appointment_set_times_utc(AppointmentHandle appointment, long start, long end);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_appointment_set_times_local(AppointmentHandle appointment, byte[] tzid, UIntPtr tzidLen, int[] start, int[] end);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_appointment_set_all_day(AppointmentHandle appointment, int year, uint month, uint day, uint days);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_appointment_set_organizer(AppointmentHandle appointment, byte[] address, UIntPtr len);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_appointment_add_attendee(AppointmentHandle appointment, byte[] address, UIntPtr len, int role, [MarshalAs(UnmanagedType.I1)] bool rsvp);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_appointment_set_status(AppointmentHandle appointment, int status);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_appointment_set_reminder(AppointmentHandle appointment, int minutes);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_appointment_set_recurrence(AppointmentHandle appointment, int frequency, uint interval, uint count, long until);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_appointment_increment_sequence(AppointmentHandle appointment, out uint sequence);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_appointment_uid(AppointmentHandle appointment, byte[] buf, UIntPtr bufLen, out UIntPtr outLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_appointment_to_ics(AppointmentHandle appointment, int method, byte[] buf, UIntPtr bufLen, out UIntPtr outLen);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_add_appointment(MessageHandle message, AppointmentHandle appointment, int method, [MarshalAs(UnmanagedType.I1)] bool attachIcs);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_client_set_use_tnef(ClientHandle client, [MarshalAs(UnmanagedType.I1)] bool enable);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern MissiveResult missive_message_set_use_tnef(MessageHandle message, [MarshalAs(UnmanagedType.I1)] bool enable);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        [return: MarshalAs(UnmanagedType.I1)]
        internal static extern bool missive_message_use_tnef(MessageHandle message);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate int ProgressCallback(IntPtr userdata, ref NativeProgress progress);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void CompletionCallback(IntPtr userdata, MissiveResult code, IntPtr result);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate long ReadCallback(IntPtr userdata, IntPtr buf, UIntPtr len);

        [StructLayout(LayoutKind.Sequential)]
        internal struct NativeProgress
        {
            public UIntPtr done, sent, failed, total;
            public ulong bytes_sent, bytes_total;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct NativeQueueDrainCounts
        {
            public UIntPtr delivered, deferred, dead_lettered, recovered, remaining;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct NativeQueueCounts
        {
            public UIntPtr queued, due, in_flight, dead_lettered;
            public ulong next_attempt_unix_ms;
        }

        // ---- helpers ----

        internal static byte[] Utf8(string s) => s == null ? null : Encoding.UTF8.GetBytes(s);

        /// <summary>Why the library refuses <paramref name="address"/> as a message's From, or
        /// null when it accepts it.</summary>
        internal static string AddressError(string address)
        {
            using (var m = missive_message_new())
            {
                if (m == null || m.IsInvalid) throw new OutOfMemoryException("missive_message_new failed");
                var b = Utf8(address);
                if (missive_message_set_from(m, b, Len(b)) == MissiveResult.Ok) return null;
                return ErrorText((byte[] buf, UIntPtr n, out UIntPtr o) => missive_message_error(m, buf, n, out o));
            }
        }
        internal static UIntPtr Len(byte[] b) => new UIntPtr(b == null ? 0u : (uint)b.Length);

        internal static string StaticText(IntPtr p)
        {
            if (p == IntPtr.Zero) return string.Empty;
            int n = 0;
            while (Marshal.ReadByte(p, n) != 0) n++;
            var bytes = new byte[n];
            Marshal.Copy(p, bytes, 0, n);
            return Encoding.UTF8.GetString(bytes);
        }

        internal delegate MissiveResult Fill(byte[] buf, UIntPtr bufLen, out UIntPtr outLen);

        // Size-then-fill. Returns the code; on OK `value` holds the bytes (text: without the NUL).
        internal static MissiveResult FetchBytes(Fill fill, bool text, out byte[] value)
        {
            value = null;
            UIntPtr need;
            MissiveResult r = fill(null, UIntPtr.Zero, out need);
            for (int attempt = 0; attempt < 4; attempt++)
            {
                if (r == MissiveResult.Ok && need == UIntPtr.Zero) { value = new byte[0]; return r; }
                if (r != MissiveResult.Ok && r != MissiveResult.BufferTooSmall) return r;
                var buf = new byte[(int)need.ToUInt32()];
                UIntPtr got;
                r = fill(buf, new UIntPtr((uint)buf.Length), out got);
                if (r == MissiveResult.Ok)
                {
                    int n = (int)got.ToUInt32();
                    if (text && n > 0) n--;
                    if (n != buf.Length) Array.Resize(ref buf, n);
                    value = buf;
                    return r;
                }
                need = got;
            }
            return r;
        }

        internal static MissiveResult FetchText(Fill fill, out string value)
        {
            byte[] b;
            MissiveResult r = FetchBytes(fill, true, out b);
            value = r == MissiveResult.Ok ? Encoding.UTF8.GetString(b) : null;
            return r;
        }

        internal static string ErrorText(Fill fill)
        {
            string s;
            return FetchText(fill, out s) == MissiveResult.Ok ? s : string.Empty;
        }
    }

    /// <summary>Owns a <c>missive_client</c>; freed with <c>missive_client_free</c>.</summary>
    public sealed class ClientHandle : SafeHandle
    {
        public ClientHandle() : base(IntPtr.Zero, true) { }
        public override bool IsInvalid => handle == IntPtr.Zero;
        protected override bool ReleaseHandle() { Native.missive_client_free(handle); return true; }
    }

    /// <summary>Owns a <c>missive_message</c>; freed with <c>missive_message_free</c>.</summary>
    public sealed class MessageHandle : SafeHandle
    {
        public MessageHandle() : base(IntPtr.Zero, true) { }
        public override bool IsInvalid => handle == IntPtr.Zero;
        protected override bool ReleaseHandle() { Native.missive_message_free(handle); return true; }
    }

    /// <summary>Owns a <c>missive_message_collection</c>.</summary>
    public sealed class MessageCollectionHandle : SafeHandle
    {
        public MessageCollectionHandle() : base(IntPtr.Zero, true) { }
        public override bool IsInvalid => handle == IntPtr.Zero;
        protected override bool ReleaseHandle() { Native.missive_message_collection_free(handle); return true; }
    }

    /// <summary>Owns a <c>missive_send_result</c> (or borrows one from a bulk result).</summary>
    public sealed class SendResultHandle : SafeHandle
    {
        public SendResultHandle() : base(IntPtr.Zero, true) { }
        internal SendResultHandle(IntPtr borrowed) : base(IntPtr.Zero, false) { SetHandle(borrowed); }
        public override bool IsInvalid => handle == IntPtr.Zero;
        protected override bool ReleaseHandle() { Native.missive_send_result_free(handle); return true; }
    }
}

namespace Missive
{
    /// <summary>Owns a <c>missive_bulk_result</c> (or borrows one from an operation).</summary>
    public sealed class BulkResultHandle : SafeHandle
    {
        public BulkResultHandle() : base(IntPtr.Zero, true) { }
        internal BulkResultHandle(IntPtr borrowed) : base(IntPtr.Zero, false) { SetHandle(borrowed); }
        public override bool IsInvalid => handle == IntPtr.Zero;
        protected override bool ReleaseHandle() { Native.missive_bulk_result_free(handle); return true; }
    }

    /// <summary>Owns a <c>missive_appointment</c>.</summary>
    public sealed class AppointmentHandle : SafeHandle
    {
        public AppointmentHandle() : base(IntPtr.Zero, true) { }
        public override bool IsInvalid => handle == IntPtr.Zero;
        protected override bool ReleaseHandle() { Native.missive_appointment_free(handle); return true; }
    }

    /// <summary>Owns a <c>missive_operation</c> (an asynchronous send).</summary>
    public sealed class OperationHandle : SafeHandle
    {
        public OperationHandle() : base(IntPtr.Zero, true) { }
        public override bool IsInvalid => handle == IntPtr.Zero;
        protected override bool ReleaseHandle() { Native.missive_operation_free(handle); return true; }
    }
}
