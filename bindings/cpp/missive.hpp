/// \file missive.hpp
/// \brief Header-only C++17 wrapper over the missive C API (include/missive.h).
///
/// One move-only class per handle (Client, Message, MessageCollection, SendResult), each owning
/// its pointer through std::unique_ptr with the matching missive_*_free. A failed call throws
/// missive::Error (the result code plus the handle's error text); a failed send throws
/// missive::SendError, which also carries the SendResult (server reply, refused recipients).
/// A collection send returns its BulkResult (one outcome per message) and throws
/// missive::BulkSendError only when no message could be attempted.
///
/// \code
///   missive::Message msg;
///   msg.set_from("Sender <sender@example.com>");
///   msg.add_to("receiver@example.com");
///   msg.set_subject("Hello");
///   msg.set_body("Sent with missive.\n");
///   missive::Client client;
///   client.set_url("smtp+starttls://me%40example.com:secret@smtp.example.com:587");
///   missive::SendResult r = client.send(msg);   // throws missive::SendError on failure
/// \endcode
///
/// Thread safety follows the C API: Client may be shared between threads; Message and
/// MessageCollection may be moved between threads but not used concurrently.
#ifndef MISSIVE_HPP
#define MISSIVE_HPP

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "missive.h"

namespace missive {

// ---- enums (the C values, typed) ------------------------------------------------------------

enum class Security : int32_t {
    None = MISSIVE_SECURITY_NONE,
    SslExplicit = MISSIVE_SECURITY_SSL_EXPLICIT,
    SslImplicit = MISSIVE_SECURITY_SSL_IMPLICIT,
    Auto = MISSIVE_SECURITY_AUTO,
};
enum class DeliveryMethod : int32_t {
    Network = MISSIVE_DELIVERY_METHOD_NETWORK,
    PickupDirectory = MISSIVE_DELIVERY_METHOD_PICKUP_DIRECTORY,
};
enum class RecipientKind : int32_t {
    To = MISSIVE_RECIPIENT_KIND_TO,
    Cc = MISSIVE_RECIPIENT_KIND_CC,
    Bcc = MISSIVE_RECIPIENT_KIND_BCC,
    ReplyTo = MISSIVE_RECIPIENT_KIND_REPLY_TO,
};
enum class PartKind : int32_t {
    Attachment = MISSIVE_PART_KIND_ATTACHMENT,
    InlineResource = MISSIVE_PART_KIND_INLINE_RESOURCE,
    AlternateView = MISSIVE_PART_KIND_ALTERNATE_VIEW,
};
enum class PartField : int32_t {
    Name = MISSIVE_PART_FIELD_NAME,
    ContentType = MISSIVE_PART_FIELD_CONTENT_TYPE,
    ContentId = MISSIVE_PART_FIELD_CONTENT_ID,
    Content = MISSIVE_PART_FIELD_CONTENT,
    Charset = MISSIVE_PART_FIELD_CHARSET,
};
enum class Priority : int32_t {
    Normal = MISSIVE_PRIORITY_NORMAL,
    Low = MISSIVE_PRIORITY_LOW,
    High = MISSIVE_PRIORITY_HIGH,
};
/// DSN NOTIFY flags are OR-ed: pass e.g. DsnNotify::Success | DsnNotify::Failure.
enum class DsnNotify : uint32_t {
    Default = MISSIVE_DSN_NOTIFY_DEFAULT,
    Success = MISSIVE_DSN_NOTIFY_SUCCESS,
    Failure = MISSIVE_DSN_NOTIFY_FAILURE,
    Delay = MISSIVE_DSN_NOTIFY_DELAY,
    Never = MISSIVE_DSN_NOTIFY_NEVER,
};
inline DsnNotify operator|(DsnNotify a, DsnNotify b) {
    return static_cast<DsnNotify>(static_cast<uint32_t>(a) | static_cast<uint32_t>(b));
}
enum class DkimAlgorithm : int32_t {
    RsaSha256 = MISSIVE_DKIM_ALGORITHM_RSA_SHA256,
    Ed25519Sha256 = MISSIVE_DKIM_ALGORITHM_ED25519_SHA256,
};
// DKIM options are OR-ed: DkimFlags::Default is relaxed/relaxed canonicalization.
enum class DkimFlags : uint32_t {
    Default = MISSIVE_DKIM_FLAGS_DEFAULT,
    HeaderSimple = MISSIVE_DKIM_FLAGS_HEADER_SIMPLE,
    BodySimple = MISSIVE_DKIM_FLAGS_BODY_SIMPLE,
};
inline DkimFlags operator|(DkimFlags a, DkimFlags b) {
    return static_cast<DkimFlags>(static_cast<uint32_t>(a) | static_cast<uint32_t>(b));
}
enum class DsnRet : int32_t {
    Default = MISSIVE_DSN_RET_DEFAULT,
    Full = MISSIVE_DSN_RET_FULL,
    Headers = MISSIVE_DSN_RET_HEADERS,
};
enum class AuthMechanism : int32_t {
    Auto = MISSIVE_AUTH_MECHANISM_AUTO,
    Plain = MISSIVE_AUTH_MECHANISM_PLAIN,
    Login = MISSIVE_AUTH_MECHANISM_LOGIN,
    CramMd5 = MISSIVE_AUTH_MECHANISM_CRAM_MD5,
    XOAuth2 = MISSIVE_AUTH_MECHANISM_XOAUTH2,
    ScramSha256 = MISSIVE_AUTH_MECHANISM_SCRAM_SHA256,
    ScramSha1 = MISSIVE_AUTH_MECHANISM_SCRAM_SHA1,
    OAuthBearer = MISSIVE_AUTH_MECHANISM_OAUTHBEARER,
};
enum class TlsVersion : int32_t {
    Tls12 = MISSIVE_TLS_VERSION_TLS12,
    Tls13 = MISSIVE_TLS_VERSION_TLS13,
};
enum class LogDirection : int32_t {
    Sent = MISSIVE_LOG_DIRECTION_SENT,
    Received = MISSIVE_LOG_DIRECTION_RECEIVED,
};
enum class ForwardMode : int32_t {
    Redirect = MISSIVE_FORWARD_MODE_REDIRECT, // new envelope, bytes unchanged
    Resend = MISSIVE_FORWARD_MODE_RESEND,     // Resent-* block on top
    Attach = MISSIVE_FORWARD_MODE_ATTACH,     // a new "Fwd:" message carrying the original
};
enum class BulkStatus : int32_t {
    Sent = MISSIVE_BULK_STATUS_SENT,
    Failed = MISSIVE_BULK_STATUS_FAILED,
    Unknown = MISSIVE_BULK_STATUS_UNKNOWN,
    NotAttempted = MISSIVE_BULK_STATUS_NOT_ATTEMPTED,
};
enum class AppointmentText : int32_t {
    Summary = MISSIVE_APPOINTMENT_TEXT_SUMMARY,
    Description = MISSIVE_APPOINTMENT_TEXT_DESCRIPTION,
    Location = MISSIVE_APPOINTMENT_TEXT_LOCATION,
    Uid = MISSIVE_APPOINTMENT_TEXT_UID,
};
enum class AppointmentStatus : int32_t {
    Confirmed = MISSIVE_APPOINTMENT_STATUS_CONFIRMED,
    Tentative = MISSIVE_APPOINTMENT_STATUS_TENTATIVE,
    Cancelled = MISSIVE_APPOINTMENT_STATUS_CANCELLED,
};
enum class AttendeeRole : int32_t {
    Required = MISSIVE_ATTENDEE_ROLE_REQUIRED,
    Optional = MISSIVE_ATTENDEE_ROLE_OPTIONAL,
    Resource = MISSIVE_ATTENDEE_ROLE_RESOURCE,
};
enum class RecurrenceFrequency : int32_t {
    None = MISSIVE_RECURRENCE_FREQUENCY_NONE,
    Daily = MISSIVE_RECURRENCE_FREQUENCY_DAILY,
    Weekly = MISSIVE_RECURRENCE_FREQUENCY_WEEKLY,
    Monthly = MISSIVE_RECURRENCE_FREQUENCY_MONTHLY,
};
enum class CalendarMethod : int32_t {
    Request = MISSIVE_CALENDAR_METHOD_REQUEST,
    Cancel = MISSIVE_CALENDAR_METHOD_CANCEL,
};
/// Counts passed to a progress callback, of a queue drain and of a queue (the C structs).
using Progress = missive_progress;
using QueueDrainCounts = missive_queue_drain_counts;
using QueueCounts = missive_queue_counts;

// ---- library-wide ---------------------------------------------------------------------------

/// The library's version, e.g. "0.1.0" (compare with MISSIVE_VERSION of the header).
inline std::string_view version() { return ::missive_version(); }

/// Static English text for a result code.
inline std::string_view result_str(missive_result code) {
    return ::missive_result_str(static_cast<int32_t>(code));
}

// ---- errors ---------------------------------------------------------------------------------

/// A failed call: the result code and the handle's error text.
class Error : public std::runtime_error {
public:
    Error(missive_result code, std::string detail)
        : std::runtime_error(format(code, detail)), code_(code), detail_(std::move(detail)) {}
    missive_result code() const noexcept { return code_; }
    /// The handle's error text (may be empty).
    const std::string &detail() const noexcept { return detail_; }

private:
    // The library's sentence (the handle's error text) as it is, so that it reads the same
    // from every language; the static text of the code when there is none.
    static std::string format(missive_result code, const std::string &detail) {
        if (!detail.empty()) return detail;
        return std::string(::missive_result_str(static_cast<int32_t>(code))) + " (" +
               std::to_string(static_cast<int>(code)) + ")";
    }
    missive_result code_;
    std::string detail_;
};

/// A queue drain that stopped because the server could not be reached (or refused TLS or the
/// credentials; code MISSIVE_RESULT_QUEUE_SERVER_UNAVAILABLE) or the database queue could not be
/// reached (MISSIVE_RESULT_QUEUE_DATABASE_UNAVAILABLE), with the drain's counts up to then (with
/// the latter `remaining` is 0, not known, and all are 0 when the database was never reached).
class QueueDrainError : public Error {
public:
    QueueDrainError(missive_result code, std::string detail, missive_queue_drain_counts counts)
        : Error(code, std::move(detail)), counts_(counts) {}
    const missive_queue_drain_counts &counts() const noexcept { return counts_; }

private:
    missive_queue_drain_counts counts_;
};

namespace detail {

template <typename T, void (*Free)(T *)>
struct Deleter {
    void operator()(T *p) const noexcept { Free(p); }
};

/// Size-then-fill: `call(buf, buf_len, &out_len)` returns a missive_result. Returns the code and,
/// on OK, the value (text without its NUL when `text` is true).
template <typename Char, typename F>
std::pair<missive_result, std::string> fetch(F &&call, bool text) {
    size_t need = 0;
    missive_result r = call(static_cast<Char *>(nullptr), size_t{0}, &need);
    for (int attempt = 0; attempt < 4; ++attempt) {
        if (r == MISSIVE_RESULT_OK && need == 0) return {r, std::string()};
        if (r != MISSIVE_RESULT_OK && r != MISSIVE_RESULT_BUFFER_TOO_SMALL) return {r, {}};
        std::string buf(need, '\0');
        size_t got = 0;
        r = call(reinterpret_cast<Char *>(buf.data()), buf.size(), &got);
        if (r == MISSIVE_RESULT_OK) {
            buf.resize(text && got > 0 ? got - 1 : got);
            return {r, std::move(buf)};
        }
        need = got; // the value grew in between (another thread): try again
    }
    return {r, {}};
}

/// An error text getter over one handle type, never throwing.
template <typename T>
std::string error_text(missive_result (*getter)(const T *, char *, size_t, size_t *),
                       const T *handle) {
    auto got = fetch<char>(
        [&](char *b, size_t n, size_t *out) { return getter(handle, b, n, out); }, true);
    return got.first == MISSIVE_RESULT_OK ? got.second : std::string();
}

inline const char *ptr(std::string_view s) { return s.empty() ? nullptr : s.data(); }
inline const uint8_t *bytes(std::string_view s) {
    return s.empty() ? nullptr : reinterpret_cast<const uint8_t *>(s.data());
}

} // namespace detail

class SendResult;

/// A refused recipient: the address, the reply code and the server's whole reply line.
struct RejectedRecipient {
    std::string address;
    uint16_t code = 0;
    std::string reply;
};

// ---- SendResult -----------------------------------------------------------------------------

/// The outcome of sending one message. Immutable; safe to share between threads.
class SendResult {
public:
    /// Takes ownership of a result from the C API (NULL allowed: an empty result).
    explicit SendResult(missive_send_result *raw)
        : p_(raw, [](const missive_send_result *r) {
              ::missive_send_result_free(const_cast<missive_send_result *>(r));
          }) {}
    /// A result borrowed from `owner` (kept alive as long as this object).
    SendResult(std::shared_ptr<const void> owner, const missive_send_result *borrowed)
        : p_(std::move(owner), borrowed) {}
    SendResult(SendResult &&) noexcept = default;
    SendResult &operator=(SendResult &&) noexcept = default;
    SendResult(const SendResult &) = delete;
    SendResult &operator=(const SendResult &) = delete;
    bool valid() const noexcept { return p_ != nullptr; }
    bool delivered() const { return ::missive_send_result_delivered(p_.get()); }
    bool is_transient() const { return ::missive_send_result_is_transient(p_.get()); }
    bool outcome_unknown() const { return ::missive_send_result_outcome_unknown(p_.get()); }
    uint16_t reply_code() const { return ::missive_send_result_reply_code(p_.get()); }
    /// This send's own result code (MISSIVE_RESULT_OK when delivered to every recipient).
    missive_result code() const { return ::missive_send_result_code(p_.get()); }
    /// Why this send failed (empty when code() is OK): the sentence the client's error text got
    /// for it, kept here where a concurrent send on the same client cannot replace it.
    std::string detail() const {
        auto got = detail::fetch<char>(
            [&](char *b, size_t n, size_t *out) {
                return ::missive_send_result_detail(p_.get(), b, n, out);
            },
            true);
        check(got.first);
        return std::move(got.second);
    }
    /// The final reply's text, the enhanced code, the queue id or the pickup path; nullopt when
    /// the result has none.
    std::optional<std::string> text(missive_send_result_field which) const {
        auto got = detail::fetch<char>(
            [&](char *b, size_t n, size_t *out) {
                return ::missive_send_result_text(p_.get(), static_cast<int32_t>(which), b, n,
                                                  out);
            },
            true);
        if (got.first == MISSIVE_RESULT_NOT_FOUND) return std::nullopt;
        check(got.first);
        return got.second;
    }
    std::string reply_text() const {
        return text(MISSIVE_SEND_RESULT_FIELD_REPLY_TEXT).value_or(std::string());
    }
    std::optional<std::string> enhanced_code() const {
        return text(MISSIVE_SEND_RESULT_FIELD_ENHANCED_CODE);
    }
    std::optional<std::string> queue_id() const {
        return text(MISSIVE_SEND_RESULT_FIELD_QUEUE_ID);
    }
    std::optional<std::string> pickup_path() const {
        return text(MISSIVE_SEND_RESULT_FIELD_PICKUP_PATH);
    }
    std::vector<std::string> accepted() const {
        std::vector<std::string> out;
        size_t n = ::missive_send_result_accepted_count(p_.get());
        for (size_t i = 0; i < n; ++i) {
            auto got = detail::fetch<char>(
                [&](char *b, size_t len, size_t *o) {
                    return ::missive_send_result_accepted(p_.get(), i, b, len, o);
                },
                true);
            check(got.first);
            out.push_back(std::move(got.second));
        }
        return out;
    }
    std::vector<RejectedRecipient> rejected() const {
        std::vector<RejectedRecipient> out;
        size_t n = ::missive_send_result_rejected_count(p_.get());
        for (size_t i = 0; i < n; ++i) {
            RejectedRecipient rr;
            auto addr = detail::fetch<char>(
                [&](char *b, size_t len, size_t *o) {
                    return ::missive_send_result_rejected(p_.get(), i, b, len, o, &rr.code);
                },
                true);
            check(addr.first);
            rr.address = std::move(addr.second);
            auto reply = detail::fetch<char>(
                [&](char *b, size_t len, size_t *o) {
                    return ::missive_send_result_rejected_reply(p_.get(), i, b, len, o);
                },
                true);
            check(reply.first);
            rr.reply = std::move(reply.second);
            out.push_back(std::move(rr));
        }
        return out;
    }
    std::string error() const {
        return detail::error_text(&::missive_send_result_error, p_.get());
    }
    const missive_send_result *get() const noexcept { return p_.get(); }

private:
    void check(missive_result r) const {
        if (r != MISSIVE_RESULT_OK) throw Error(r, error());
    }
    std::shared_ptr<const missive_send_result> p_;
};

/// A failed send: the code, the send's own detail (from its result, so a concurrent send on
/// the same client cannot change it) and the send result (reply, refused
/// recipients). For SOME_RECIPIENTS_REJECTED the message may still have been delivered to the
/// others: see result().delivered().
class SendError : public Error {
public:
    SendError(missive_result code, std::string detail, std::shared_ptr<SendResult> result)
        : Error(code, std::move(detail)), result_(std::move(result)) {}
    /// May be null when the C API made none (argument errors).
    const SendResult *result() const noexcept {
        return result_ && result_->valid() ? result_.get() : nullptr;
    }
    uint16_t reply_code() const { return result() ? result()->reply_code() : 0; }
    bool is_transient() const { return result() && result()->is_transient(); }

private:
    std::shared_ptr<SendResult> result_;
};

/// The outcomes of a collection send (or of an asynchronous send): one per message, in order.
/// Immutable; safe to share between threads.
class BulkResult {
public:
    /// Takes ownership of a result from missive_client_send_collection (NULL allowed).
    explicit BulkResult(missive_bulk_result *raw)
        : p_(raw, [](const missive_bulk_result *r) {
              ::missive_bulk_result_free(const_cast<missive_bulk_result *>(r));
          }) {}
    /// A result borrowed from `owner` (an operation), kept alive as long as this object.
    BulkResult(std::shared_ptr<const void> owner, const missive_bulk_result *borrowed)
        : p_(std::move(owner), borrowed) {}
    BulkResult(BulkResult &&) noexcept = default;
    BulkResult &operator=(BulkResult &&) noexcept = default;
    BulkResult(const BulkResult &) = delete;
    BulkResult &operator=(const BulkResult &) = delete;

    bool valid() const noexcept { return p_ != nullptr; }
    size_t size() const { return ::missive_bulk_result_len(p_.get()); }
    size_t count(BulkStatus status) const {
        return ::missive_bulk_result_count(p_.get(), static_cast<int32_t>(status));
    }
    /// OK, CANCELLED, PARTIAL_FAILURE or the first failure's code.
    missive_result code() const { return ::missive_bulk_result_code(p_.get()); }
    bool was_cancelled() const { return ::missive_bulk_result_was_cancelled(p_.get()); }
    /// The status and result code of message `index`.
    std::pair<BulkStatus, missive_result> item(size_t index) const {
        int32_t status = 0;
        missive_result code = MISSIVE_RESULT_OK;
        missive_result r = ::missive_bulk_result_item(p_.get(), index, &status, &code);
        if (r != MISSIVE_RESULT_OK) throw Error(r, error());
        return {static_cast<BulkStatus>(status), code};
    }
    /// The send result of message `index` (shares this result's lifetime).
    SendResult result(size_t index) const {
        const missive_send_result *r = ::missive_bulk_result_get(p_.get(), index);
        if (r == nullptr) throw std::out_of_range("missive::BulkResult::result");
        return SendResult(p_, r);
    }
    /// Why message `index` was not delivered (empty when it was).
    std::string message_error(size_t index) const {
        auto got = detail::fetch<char>(
            [&](char *b, size_t n, size_t *o) {
                return ::missive_bulk_result_message_error(p_.get(), index, b, n, o);
            },
            true);
        if (got.first != MISSIVE_RESULT_OK) throw Error(got.first, error());
        return std::move(got.second);
    }
    std::string error() const { return detail::error_text(&::missive_bulk_result_error, p_.get()); }
    const missive_bulk_result *get() const noexcept { return p_.get(); }

private:
    std::shared_ptr<const missive_bulk_result> p_;
};

/// A collection send of which no message could be attempted: the configuration is incomplete
/// (no host, no pickup directory) or the server could not be reached or refused the session
/// (connection, TLS, credentials). code() says which, what() has the client's error text, and
/// result() still has each message's outcome (all FAILED with that code). A partial failure,
/// a refused message or a cancelled send does not throw: read the BulkResult.
class BulkSendError : public Error {
public:
    BulkSendError(missive_result code, std::string detail, std::shared_ptr<BulkResult> result)
        : Error(code, std::move(detail)), result_(std::move(result)) {}
    const BulkResult *result() const noexcept {
        return result_ && result_->valid() ? result_.get() : nullptr;
    }
    size_t delivered() const { return result() ? result()->count(BulkStatus::Sent) : 0; }

private:
    std::shared_ptr<BulkResult> result_;
};

/// A send running in the background (Client::send_async, send_collection_async). Freeing it
/// does not cancel the send; cancel() does. Move-only.
class Operation {
public:
    explicit Operation(missive_operation *raw)
        : p_(raw, [](missive_operation *o) { ::missive_operation_free(o); }) {}
    /// Waits at most `timeout_ms` (negative: no limit); PENDING when time ran out, else the
    /// operation's code.
    missive_result wait(int64_t timeout_ms = -1) const {
        return ::missive_operation_wait(p_.get(), timeout_ms);
    }
    void cancel() const {
        missive_result r = ::missive_operation_cancel(p_.get());
        if (r != MISSIVE_RESULT_OK) throw Error(r, error());
    }
    bool is_done() const { return ::missive_operation_is_done(p_.get()); }
    /// PENDING while it runs.
    missive_result result_code() const { return ::missive_operation_result_code(p_.get()); }
    /// The outcomes once done (shares the operation's lifetime); nullopt while it runs.
    std::optional<BulkResult> result() const {
        const missive_bulk_result *r = ::missive_operation_result(p_.get());
        if (r == nullptr) return std::nullopt;
        return BulkResult(p_, r);
    }
    std::string error() const { return detail::error_text(&::missive_operation_error, p_.get()); }
    const missive_operation *get() const noexcept { return p_.get(); }

private:
    std::shared_ptr<missive_operation> p_;
};

// ---- Appointment ----------------------------------------------------------------------------

/// A meeting (iCalendar VEVENT) to put on a message as a request or cancellation. Move-only.
class Appointment {
public:
    /// A wall-clock time: year, month, day, hour, minute, second.
    using LocalTime = std::array<int32_t, 6>;

    Appointment() : p_(::missive_appointment_new()) {
        if (!p_) throw std::bad_alloc();
    }
    void set_text(AppointmentText field, std::string_view text) {
        check(::missive_appointment_set_text(p_.get(), static_cast<int32_t>(field),
                                             detail::ptr(text), text.size()));
    }
    void set_summary(std::string_view s) { set_text(AppointmentText::Summary, s); }
    void set_description(std::string_view s) { set_text(AppointmentText::Description, s); }
    void set_location(std::string_view s) { set_text(AppointmentText::Location, s); }
    /// Start and end as seconds since the epoch (written in UTC).
    void set_times_utc(int64_t start, int64_t end) {
        check(::missive_appointment_set_times_utc(p_.get(), start, end));
    }
    /// Start and end as wall-clock times in an IANA zone (e.g. "Europe/Berlin").
    void set_times_local(std::string_view tzid, const LocalTime &start, const LocalTime &end) {
        check(::missive_appointment_set_times_local(p_.get(), detail::ptr(tzid), tzid.size(),
                                                    start.data(), end.data()));
    }
    void set_all_day(int32_t year, uint32_t month, uint32_t day, uint32_t days = 1) {
        check(::missive_appointment_set_all_day(p_.get(), year, month, day, days));
    }
    void set_organizer(std::string_view address) {
        check(::missive_appointment_set_organizer(p_.get(), detail::ptr(address), address.size()));
    }
    void add_attendee(std::string_view address, AttendeeRole role = AttendeeRole::Optional,
                      bool rsvp = true) {
        check(::missive_appointment_add_attendee(p_.get(), detail::ptr(address), address.size(),
                                                 static_cast<int32_t>(role), rsvp));
    }
    void set_status(AppointmentStatus status) {
        check(::missive_appointment_set_status(p_.get(), static_cast<int32_t>(status)));
    }
    /// Minutes before the start; negative removes the reminder.
    void set_reminder(int32_t minutes) {
        check(::missive_appointment_set_reminder(p_.get(), minutes));
    }
    /// Ends after `count` occurrences (count > 0) or at `until` (seconds since the epoch).
    void set_recurrence(RecurrenceFrequency frequency, uint32_t interval, uint32_t count,
                        int64_t until = 0) {
        check(::missive_appointment_set_recurrence(p_.get(), static_cast<int32_t>(frequency),
                                                   interval, count, until));
    }
    /// For an update or cancellation of an appointment already sent; returns the new SEQUENCE.
    uint32_t increment_sequence() {
        uint32_t seq = 0;
        check(::missive_appointment_increment_sequence(p_.get(), &seq));
        return seq;
    }
    std::string uid() const {
        auto got = detail::fetch<char>(
            [&](char *b, size_t n, size_t *o) { return ::missive_appointment_uid(p_.get(), b, n, o); },
            true);
        check(got.first);
        return std::move(got.second);
    }
    /// The iCalendar object (text/calendar) for `method`.
    std::string to_ics(CalendarMethod method = CalendarMethod::Request) const {
        auto got = detail::fetch<uint8_t>(
            [&](uint8_t *b, size_t n, size_t *o) {
                return ::missive_appointment_to_ics(p_.get(), static_cast<int32_t>(method), b, n, o);
            },
            false);
        check(got.first);
        return std::move(got.second);
    }
    std::string error() const { return detail::error_text(&::missive_appointment_error, p_.get()); }
    const missive_appointment *get() const noexcept { return p_.get(); }

private:
    void check(missive_result r) const {
        if (r != MISSIVE_RESULT_OK) throw Error(r, error());
    }
    std::unique_ptr<missive_appointment,
                    detail::Deleter<missive_appointment, &::missive_appointment_free>>
        p_;
};

// ---- Message --------------------------------------------------------------------------------

class MessageCollection;

/// An email message. Move-only; clone() makes an independent copy.
class Message {
public:
    Message() : p_(::missive_message_new()) {
        if (!p_) throw std::bad_alloc();
    }
    /// Takes ownership of a pointer from the C API (must not be NULL).
    explicit Message(missive_message *raw) : p_(raw) {
        if (!p_) throw std::bad_alloc();
    }
    static Message from_file(std::string_view path) {
        Message m;
        m.load_file(path);
        return m;
    }
    static Message from_bytes(std::string_view data) {
        Message m;
        m.load_bytes(data);
        return m;
    }
    /// A pickup file (X-Sender / X-Receiver lines, then the message), with its envelope.
    static Message from_pickup_file(std::string_view path) {
        Message m;
        m.load_pickup_file(path);
        return m;
    }
    Message clone() const {
        missive_message *c = ::missive_message_clone(p_.get());
        if (c == nullptr) throw std::bad_alloc();
        return Message(c);
    }

    void load_file(std::string_view path) {
        check(::missive_message_load_file(p_.get(), detail::ptr(path), path.size()));
    }
    void load_bytes(std::string_view data) {
        check(::missive_message_load_bytes(p_.get(), detail::bytes(data), data.size()));
    }
    /// Loads a pickup file: the message after its envelope lines, and the envelope itself,
    /// which every send of this message then uses (MAIL FROM, RCPT TO) instead of its header
    /// fields, until clear_envelope() or another load. Envelope-looking lines inside the
    /// message are content, never envelope.
    void load_pickup_file(std::string_view path) {
        check(::missive_message_load_pickup_file(p_.get(), detail::ptr(path), path.size()));
    }
    /// The envelope sender (empty for the null sender); nullopt when the message has no
    /// envelope of its own.
    std::optional<std::string> envelope_sender() const {
        return optional_text([&](char *b, size_t n, size_t *o) {
            return ::missive_message_envelope_sender(p_.get(), b, n, o);
        });
    }
    /// The envelope recipients; empty when the message has no envelope of its own.
    std::vector<std::string> envelope_recipients() const {
        std::vector<std::string> out;
        size_t n = ::missive_message_envelope_recipient_count(p_.get());
        for (size_t i = 0; i < n; ++i) {
            out.push_back(take(detail::fetch<char>(
                [&](char *b, size_t len, size_t *o) {
                    return ::missive_message_envelope_recipient(p_.get(), i, b, len, o);
                },
                true)));
        }
        return out;
    }
    /// Removes the envelope: sends use the header fields' addresses again.
    void clear_envelope() { check(::missive_message_clear_envelope(p_.get())); }
    /// How later load_file / load_bytes calls on this message read: leniently (false, the
    /// default: what was accepted is in load_warnings()) or strictly (true: a multipart that
    /// never closes throws Error TRUNCATED_EML, a header line that is not a field MALFORMED_EML,
    /// and the message is left as it was).
    void set_strict_loading(bool strict) {
        check(::missive_message_set_strict_loading(p_.get(), strict));
    }
    /// What the last load accepted leniently, one warning each; empty when nothing was (or the
    /// message was not loaded).
    std::vector<std::string> load_warnings() const {
        std::string all = take(detail::fetch<char>(
            [&](char *b, size_t n, size_t *o) {
                return ::missive_message_load_warnings(p_.get(), b, n, o);
            },
            true));
        std::vector<std::string> out;
        for (size_t start = 0; start < all.size();) {
            size_t end = all.find('\n', start);
            if (end == std::string::npos) end = all.size();
            out.push_back(all.substr(start, end - start));
            start = end + 1;
        }
        return out;
    }
    void save_file(std::string_view path) const {
        check(::missive_message_save_file(p_.get(), detail::ptr(path), path.size()));
    }
    /// The message as MIME (.eml bytes).
    std::string save_buffer() const {
        return take(detail::fetch<uint8_t>(
            [&](uint8_t *b, size_t n, size_t *o) {
                return ::missive_message_save_buffer(p_.get(), b, n, o);
            },
            false));
    }

    void set_from(std::string_view address) {
        check(::missive_message_set_from(p_.get(), detail::ptr(address), address.size()));
    }
    std::optional<std::string> from() const {
        return optional_text([&](char *b, size_t n, size_t *o) {
            return ::missive_message_from(p_.get(), b, n, o);
        });
    }
    void set_sender(std::string_view address) {
        check(::missive_message_set_sender(p_.get(), detail::ptr(address), address.size()));
    }
    /// One address or a comma-separated list; all or none are added.
    void add_recipients(RecipientKind kind, std::string_view addresses) {
        check(::missive_message_add_recipients(p_.get(), static_cast<int32_t>(kind),
                                               detail::ptr(addresses), addresses.size()));
    }
    void add_to(std::string_view a) { add_recipients(RecipientKind::To, a); }
    void add_cc(std::string_view a) { add_recipients(RecipientKind::Cc, a); }
    void add_bcc(std::string_view a) { add_recipients(RecipientKind::Bcc, a); }
    void add_reply_to(std::string_view a) { add_recipients(RecipientKind::ReplyTo, a); }
    void clear_recipients(RecipientKind kind) {
        check(::missive_message_clear_recipients(p_.get(), static_cast<int32_t>(kind)));
    }
    std::vector<std::string> recipients(RecipientKind kind) const {
        std::vector<std::string> out;
        size_t n = ::missive_message_recipient_count(p_.get(), static_cast<int32_t>(kind));
        for (size_t i = 0; i < n; ++i) {
            out.push_back(take(detail::fetch<char>(
                [&](char *b, size_t len, size_t *o) {
                    return ::missive_message_recipient(p_.get(), static_cast<int32_t>(kind), i,
                                                       b, len, o);
                },
                true)));
        }
        return out;
    }

    void set_subject(std::string_view s) {
        check(::missive_message_set_subject(p_.get(), detail::ptr(s), s.size()));
    }
    std::string subject() const {
        return take(detail::fetch<char>(
            [&](char *b, size_t n, size_t *o) {
                return ::missive_message_subject(p_.get(), b, n, o);
            },
            true));
    }
    void set_body(std::string_view s) {
        check(::missive_message_set_body(p_.get(), detail::ptr(s), s.size()));
    }
    std::string body() const {
        return take(detail::fetch<char>(
            [&](char *b, size_t n, size_t *o) { return ::missive_message_body(p_.get(), b, n, o); },
            true));
    }
    /// Sets the HTML body (turning is_body_html on); an empty string removes it.
    void set_html_body(std::string_view s) {
        check(::missive_message_set_html_body(p_.get(), detail::ptr(s), s.size()));
    }
    std::optional<std::string> html_body() const {
        return optional_text([&](char *b, size_t n, size_t *o) {
            return ::missive_message_html_body(p_.get(), b, n, o);
        });
    }
    void set_is_body_html(bool html) {
        check(::missive_message_set_is_body_html(p_.get(), html));
    }
    bool is_body_html() const { return ::missive_message_is_body_html(p_.get()); }

    /// `charset` empty: utf-8 for text types.
    void add_alternate_view(std::string_view content_type, std::string_view content,
                            std::string_view charset = {}) {
        check(::missive_message_add_alternate_view(
            p_.get(), detail::ptr(content_type), content_type.size(), detail::ptr(charset),
            charset.size(), detail::bytes(content), content.size()));
    }
    /// `content_type` empty: guessed from the name.
    void add_attachment(std::string_view name, std::string_view data,
                        std::string_view content_type = {}) {
        check(::missive_message_add_attachment(p_.get(), detail::ptr(name), name.size(),
                                               detail::ptr(content_type), content_type.size(),
                                               detail::bytes(data), data.size()));
    }
    void add_attachment_file(std::string_view path, std::string_view name = {},
                             std::string_view content_type = {}) {
        check(::missive_message_add_attachment_file(
            p_.get(), detail::ptr(path), path.size(), detail::ptr(name), name.size(),
            detail::ptr(content_type), content_type.size()));
    }
    void add_inline_resource(std::string_view content_id, std::string_view data,
                             std::string_view name = {}, std::string_view content_type = {}) {
        check(::missive_message_add_inline_resource(
            p_.get(), detail::ptr(content_id), content_id.size(), detail::ptr(name), name.size(),
            detail::ptr(content_type), content_type.size(), detail::bytes(data), data.size()));
    }
    size_t part_count(PartKind kind) const {
        return ::missive_message_part_count(p_.get(), static_cast<int32_t>(kind));
    }
    /// One field of one part (Content as raw bytes); nullopt when the part lacks that field.
    std::optional<std::string> part_field(PartKind kind, size_t index, PartField field) const {
        auto got = detail::fetch<uint8_t>(
            [&](uint8_t *b, size_t n, size_t *o) {
                return ::missive_message_part_field(p_.get(), static_cast<int32_t>(kind), index,
                                                    static_cast<int32_t>(field), b, n, o);
            },
            field != PartField::Content);
        if (got.first == MISSIVE_RESULT_NOT_FOUND) return std::nullopt;
        return take(std::move(got));
    }

    void add_header(std::string_view name, std::string_view value) {
        check(::missive_message_add_header(p_.get(), detail::ptr(name), name.size(),
                                           detail::ptr(value), value.size()));
    }
    // List-Unsubscribe (RFC 2369) with a URL and/or mailto, and with one_click also
    // List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058, needs an https URL).
    // Empty url and mailto remove the fields.
    void set_list_unsubscribe(std::string_view url, std::string_view mailto, bool one_click) {
        check(::missive_message_set_list_unsubscribe(p_.get(), detail::ptr(url), url.size(),
                                                      detail::ptr(mailto), mailto.size(),
                                                      one_click));
    }
    std::optional<std::string> header(std::string_view name) const {
        return optional_text([&](char *b, size_t n, size_t *o) {
            return ::missive_message_header(p_.get(), detail::ptr(name), name.size(), b, n, o);
        });
    }
    void set_priority(Priority p) {
        check(::missive_message_set_priority(p_.get(), static_cast<int32_t>(p)));
    }
    void set_date(int64_t unix_seconds, int32_t utc_offset_minutes = 0) {
        check(::missive_message_set_date(p_.get(), unix_seconds, utc_offset_minutes));
    }
    /// Empty: one is generated.
    void set_message_id(std::string_view id) {
        check(::missive_message_set_message_id(p_.get(), detail::ptr(id), id.size()));
    }
    std::optional<std::string> message_id() const {
        return optional_text([&](char *b, size_t n, size_t *o) {
            return ::missive_message_message_id(p_.get(), b, n, o);
        });
    }
    void set_delivery_notification(DsnNotify notify, DsnRet ret = DsnRet::Default,
                                   std::string_view envelope_id = {}) {
        check(::missive_message_set_delivery_notification(
            p_.get(), static_cast<uint32_t>(notify), static_cast<int32_t>(ret),
            detail::ptr(envelope_id), envelope_id.size()));
    }
    bool needs_smtputf8() const { return ::missive_message_needs_smtputf8(p_.get()); }
    /// Puts a meeting request or cancellation on the message (To and Cc become attendees).
    void add_appointment(const Appointment &appointment,
                         CalendarMethod method = CalendarMethod::Request, bool attach_ics = false) {
        check(::missive_message_add_appointment(p_.get(), appointment.get(),
                                                static_cast<int32_t>(method), attach_ics));
    }
    /// Writes (and sends) the message as TNEF (winmail.dat).
    void set_use_tnef(bool enable) { check(::missive_message_set_use_tnef(p_.get(), enable)); }
    bool use_tnef() const { return ::missive_message_use_tnef(p_.get()); }

    /// The text of the most recent failure on this message.
    std::string error() const { return detail::error_text(&::missive_message_error, p_.get()); }
    const missive_message *get() const noexcept { return p_.get(); }
    missive_message *get() noexcept { return p_.get(); }
    /// Gives up ownership: the caller frees the pointer with missive_message_free.
    missive_message *release() noexcept { return p_.release(); }

private:
    void check(missive_result r) const {
        if (r != MISSIVE_RESULT_OK) throw Error(r, error());
    }
    std::string take(std::pair<missive_result, std::string> got) const {
        check(got.first);
        return std::move(got.second);
    }
    template <typename F>
    std::optional<std::string> optional_text(F &&call) const {
        auto got = detail::fetch<char>(call, true);
        if (got.first == MISSIVE_RESULT_NOT_FOUND) return std::nullopt;
        return take(std::move(got));
    }
    std::unique_ptr<missive_message, detail::Deleter<missive_message, &::missive_message_free>>
        p_;
};

// ---- MessageCollection ----------------------------------------------------------------------

/// An ordered list of messages for Client::send_collection. add() stores a copy.
class MessageCollection {
public:
    MessageCollection() : p_(::missive_message_collection_new()) {
        if (!p_) throw std::bad_alloc();
    }
    void add(const Message &m) {
        missive_result r = ::missive_message_collection_add(p_.get(), m.get());
        if (r != MISSIVE_RESULT_OK) throw Error(r, error());
    }
    size_t size() const { return ::missive_message_collection_len(p_.get()); }
    /// A copy of the message at `index` (std::out_of_range past the end).
    Message at(size_t index) const {
        const missive_message *m = ::missive_message_collection_get(p_.get(), index);
        if (m == nullptr) throw std::out_of_range("missive::MessageCollection::at");
        missive_message *c = ::missive_message_clone(m);
        if (c == nullptr) throw std::bad_alloc();
        return Message(c);
    }
    std::string error() const {
        return detail::error_text(&::missive_message_collection_error, p_.get());
    }
    const missive_message_collection *get() const noexcept { return p_.get(); }

private:
    std::unique_ptr<missive_message_collection,
                    detail::Deleter<missive_message_collection, &::missive_message_collection_free>>
        p_;
};

// ---- Client ---------------------------------------------------------------------------------

/// Receives protocol-log lines; may run on several threads at once; must not call the client.
using LogCallback = std::function<void(LogDirection, std::string_view)>;
// Gives an OAuth 2 access token (on the thread that opens a connection); `refresh` is true when
// the server has just refused the last one. Throw to give none: the send fails with
// MISSIVE_RESULT_TOKEN_PROVIDER_FAILED and the exception's text. A token longer than 16 KiB
// makes the library ask again (same `refresh`) with a buffer that fits it.
using TokenProvider = std::function<std::string(bool refresh)>;
/// Receives the progress of a collection send (on the sending or a library thread); returns
/// true to go on, false to cancel.
using ProgressCallback = std::function<bool(const Progress &)>;
/// Runs once when an asynchronous send completes, on a library thread, with its code.
using CompletionCallback = std::function<void(missive_result)>;
/// Reads up to `len` bytes into `buf`: the number read, 0 at the end, negative on error.
using ReadFunction = std::function<int64_t(uint8_t *buf, size_t len)>;

/// An email client. Move-only; safe to use from several threads at once.
class Client {
public:
    Client() : p_(::missive_client_new()) {
        if (!p_) throw std::bad_alloc();
    }
    /// The seed's SmtpClient(host, port, username, password, security).
    Client(std::string_view host, uint16_t port, std::string_view username = {},
           std::string_view password = {}, Security security = Security::Auto)
        : Client() {
        set_host(host);
        set_port(port);
        set_username(username);
        set_password(password);
        set_security(security);
    }

    void set_host(std::string_view host) {
        check(::missive_client_set_host(p_.get(), detail::ptr(host), host.size()));
    }
    void set_port(uint16_t port) { check(::missive_client_set_port(p_.get(), port)); }
    void set_username(std::string_view v) {
        check(::missive_client_set_username(p_.get(), detail::ptr(v), v.size()));
    }
    void set_password(std::string_view v) {
        check(::missive_client_set_password(p_.get(), detail::ptr(v), v.size()));
    }
    void set_security(Security s) {
        check(::missive_client_set_security(p_.get(), static_cast<int32_t>(s)));
    }
    void set_delivery_method(DeliveryMethod m) {
        check(::missive_client_set_delivery_method(p_.get(), static_cast<int32_t>(m)));
    }
    void set_pickup_directory(std::string_view path) {
        check(::missive_client_set_pickup_directory(p_.get(), detail::ptr(path), path.size()));
    }
    // DKIM: every message this client delivers is signed by each signer added (PEM key:
    // PKCS#8 "PRIVATE KEY" for RSA or Ed25519, PKCS#1 "RSA PRIVATE KEY" for RSA).
    void add_dkim_signer(std::string_view domain, std::string_view selector,
                         std::string_view key_pem, DkimAlgorithm algorithm,
                         DkimFlags flags = DkimFlags::Default) {
        check(::missive_client_add_dkim_signer(
            p_.get(), detail::ptr(domain), domain.size(), detail::ptr(selector), selector.size(),
            reinterpret_cast<const uint8_t *>(key_pem.data()), key_pem.size(),
            static_cast<int32_t>(algorithm), static_cast<uint32_t>(flags)));
    }
    void add_dkim_signer_file(std::string_view domain, std::string_view selector,
                              std::string_view key_path, DkimAlgorithm algorithm,
                              DkimFlags flags = DkimFlags::Default) {
        check(::missive_client_add_dkim_signer_file(
            p_.get(), detail::ptr(domain), domain.size(), detail::ptr(selector), selector.size(),
            detail::ptr(key_path), key_path.size(), static_cast<int32_t>(algorithm),
            static_cast<uint32_t>(flags)));
    }
    void clear_dkim_signers() { check(::missive_client_clear_dkim_signers(p_.get())); }
    size_t dkim_signer_count() const { return ::missive_client_dkim_signer_count(p_.get()); }
    void set_url(std::string_view url) {
        check(::missive_client_set_url(p_.get(), detail::ptr(url), url.size()));
    }
    void set_oauth2_token(std::string_view token) {
        check(::missive_client_set_oauth2_token(p_.get(), detail::ptr(token), token.size()));
    }
    void set_auth_mechanism(AuthMechanism m) {
        check(::missive_client_set_auth_mechanism(p_.get(), static_cast<int32_t>(m)));
    }
    void set_client_name(std::string_view name) {
        check(::missive_client_set_client_name(p_.get(), detail::ptr(name), name.size()));
    }
    /// Milliseconds; 0 keeps the current value.
    void set_timeouts(uint32_t connect_ms, uint32_t command_ms) {
        check(::missive_client_set_timeouts(p_.get(), connect_ms, command_ms));
    }
    /// Total time limit of one call (connect + TLS + its transactions) in milliseconds;
    /// 0: no limit (default 600000).
    void set_total_timeout(uint64_t total_ms) {
        check(::missive_client_set_total_timeout(p_.get(), total_ms));
    }
    void set_ca_file(std::string_view path) {
        check(::missive_client_set_ca_file(p_.get(), detail::ptr(path), path.size()));
    }
    void set_client_certificate(std::string_view cert_path, std::string_view key_path) {
        check(::missive_client_set_client_certificate(p_.get(), detail::ptr(cert_path),
                                                      cert_path.size(), detail::ptr(key_path),
                                                      key_path.size()));
    }
    void set_min_tls_version(TlsVersion v) {
        check(::missive_client_set_min_tls_version(p_.get(), static_cast<int32_t>(v)));
    }
    /// DANGEROUS: accepts any server certificate. Test servers only.
    void dangerous_accept_invalid_certs(bool accept) {
        check(::missive_client_dangerous_accept_invalid_certs(p_.get(), accept));
    }
    void set_pipelining(bool enable) { check(::missive_client_set_pipelining(p_.get(), enable)); }
    /// CHUNKING (BDAT, several messages in flight) when offered (default on); off: DATA.
    void set_chunking(bool enable) { check(::missive_client_set_chunking(p_.get(), enable)); }
    /// Sends every message as TNEF (winmail.dat) instead of ordinary MIME.
    void set_use_tnef(bool enable) { check(::missive_client_set_use_tnef(p_.get(), enable)); }
    void set_require_all_recipients(bool require) {
        check(::missive_client_set_require_all_recipients(p_.get(), require));
    }
    /// Starts each protocol-log line with its connection's number, "[N] " (default off).
    void set_protocol_log_connection_numbers(bool enabled) {
        check(::missive_client_set_protocol_log_connection_numbers(p_.get(), enabled));
    }
    /// An empty function removes the log.
    void set_protocol_log(LogCallback cb) {
        if (!cb) {
            check(::missive_client_set_protocol_log(p_.get(), nullptr, nullptr, nullptr));
            return;
        }
        auto *boxed = new LogCallback(std::move(cb));
        missive_result r =
            ::missive_client_set_protocol_log(p_.get(), &log_trampoline, boxed, &log_free);
        if (r != MISSIVE_RESULT_OK) {
            // The C API took no ownership on failure of an argument check.
            if (r == MISSIVE_RESULT_NULL_ARGUMENT || r == MISSIVE_RESULT_INVALID_ARGUMENT)
                delete boxed;
            throw Error(r, error());
        }
    }

    // Asked for an OAuth 2 token before each AUTH, and once more with refresh = true after the
    // server refused it (AUTH is then retried once). An empty function removes it.
    void set_token_provider(TokenProvider cb) {
        if (!cb) {
            check(::missive_client_set_token_provider(p_.get(), nullptr, nullptr, nullptr));
            return;
        }
        auto *boxed = new TokenProvider(std::move(cb));
        missive_result r = ::missive_client_set_token_provider(p_.get(), &token_trampoline, boxed,
                                                               &delete_boxed<TokenProvider>);
        if (r != MISSIVE_RESULT_OK) {
            if (r == MISSIVE_RESULT_NULL_ARGUMENT || r == MISSIVE_RESULT_INVALID_ARGUMENT)
                delete boxed;
            throw Error(r, error());
        }
    }
    // "socks5://user:pass@host:port", "socks4a://host:port", "http://user:pass@host:port";
    // empty removes the proxy.
    void set_proxy(std::string_view url) {
        check(::missive_client_set_proxy(p_.get(), detail::ptr(url), url.size()));
    }

    /// Sends one message; throws SendError (with the result) unless every recipient accepted it.
    SendResult send(const Message &message) {
        missive_send_result *raw = nullptr;
        missive_result r = ::missive_client_send(p_.get(), message.get(), &raw);
        return finish(r, raw);
    }
    /// Sends every message and returns each one's outcome: code() is MISSIVE_RESULT_OK,
    /// MISSIVE_RESULT_PARTIAL_FAILURE, MISSIVE_RESULT_CANCELLED or the first failure's code, and
    /// item(i) / message_error(i) / result(i) tell each message's fate. Throws BulkSendError
    /// only when nothing could be attempted (see BulkSendError), and Error for bad arguments.
    BulkResult send_collection(const MessageCollection &collection) {
        missive_bulk_result *raw = nullptr;
        missive_result r = ::missive_client_send_collection(p_.get(), collection.get(), &raw);
        if (raw == nullptr) throw Error(r, error());
        auto result = std::make_shared<BulkResult>(raw);
        if (nothing_attempted(r, *result)) throw BulkSendError(r, error(), std::move(result));
        return std::move(*result);
    }
    /// Starts sending in the background; `on_complete` (optional) runs once, on a library
    /// thread, with the operation's code. The message is copied before this returns.
    Operation send_async(const Message &message, CompletionCallback on_complete = {}) {
        return start_async(on_complete, [&](missive_completion_cb cb, void *ud,
                                            missive_userdata_free_cb fr, missive_operation **op) {
            return ::missive_client_send_async(p_.get(), message.get(), cb, ud, fr, op);
        });
    }
    Operation send_collection_async(const MessageCollection &collection,
                                    CompletionCallback on_complete = {}) {
        return start_async(on_complete, [&](missive_completion_cb cb, void *ud,
                                            missive_userdata_free_cb fr, missive_operation **op) {
            return ::missive_client_send_collection_async(p_.get(), collection.get(), cb, ud, fr,
                                                          op);
        });
    }
    /// Collection sends over several connections (set_connections of them, default 4).
    void set_multi_connection(bool enabled) {
        check(::missive_client_set_multi_connection(p_.get(), enabled));
    }
    void set_connections(size_t connections) {
        check(::missive_client_set_connections(p_.get(), connections));
    }
    /// Most messages per batch of a collection send (1 to 10000; default 100).
    void set_batch_size(size_t batch_size) {
        check(::missive_client_set_batch_size(p_.get(), batch_size));
    }
    void set_retry_policy(uint32_t max_attempts, bool retry_unknown = false) {
        check(::missive_client_set_retry_policy(p_.get(), max_attempts, retry_unknown));
    }
    /// Called after each batch of a collection send; return false to cancel. Empty removes it.
    void set_progress_callback(ProgressCallback cb) {
        if (!cb) {
            check(::missive_client_set_progress_callback(p_.get(), nullptr, nullptr, nullptr));
            return;
        }
        auto *boxed = new ProgressCallback(std::move(cb));
        check(::missive_client_set_progress_callback(p_.get(), &progress_trampoline, boxed,
                                                     &delete_boxed<ProgressCallback>));
    }

    // ---- forwarding ----
    /// The envelope sender of forwards (and Resent-From / From of RESEND / ATTACH).
    void set_forward_sender(std::string_view address) {
        check(::missive_client_set_forward_sender(p_.get(), detail::ptr(address), address.size()));
    }
    /// Forwards `message` to `recipients` (comma-separated) only.
    SendResult forward(const Message &message, ForwardMode mode, std::string_view recipients) {
        missive_send_result *raw = nullptr;
        missive_result r =
            ::missive_client_forward(p_.get(), message.get(), static_cast<int32_t>(mode),
                                     detail::ptr(recipients), recipients.size(), &raw);
        return finish(r, raw);
    }
    /// Forwards an .eml file without loading it (new envelope, bytes unchanged but Bcc).
    SendResult forward_file(std::string_view path, std::string_view mail_from,
                            std::string_view recipients) {
        missive_send_result *raw = nullptr;
        missive_result r = ::missive_client_forward_file(
            p_.get(), detail::ptr(path), path.size(), detail::ptr(mail_from), mail_from.size(),
            detail::ptr(recipients), recipients.size(), &raw);
        return finish(r, raw);
    }
    /// As forward_file, reading from an open file descriptor (not closed).
    SendResult forward_fd(int fd, std::string_view mail_from, std::string_view recipients) {
        missive_send_result *raw = nullptr;
        missive_result r = ::missive_client_forward_fd(
            p_.get(), fd, detail::ptr(mail_from), mail_from.size(), detail::ptr(recipients),
            recipients.size(), &raw);
        return finish(r, raw);
    }
    /// As forward_file, reading through `read(buf, len)` -> bytes read, 0 at the end, negative
    /// on error. `size_hint` is the size when known, else negative.
    SendResult forward_stream(const ReadFunction &read, std::string_view mail_from,
                              std::string_view recipients, int64_t size_hint = -1) {
        missive_send_result *raw = nullptr;
        missive_result r = ::missive_client_forward_stream(
            p_.get(), &read_trampoline, const_cast<ReadFunction *>(&read), size_hint,
            detail::ptr(mail_from), mail_from.size(), detail::ptr(recipients), recipients.size(),
            &raw);
        return finish(r, raw);
    }

    // ---- durable queue ----
    void set_queue_directory(std::string_view path) {
        check(::missive_client_set_queue_directory(p_.get(), detail::ptr(path), path.size()));
    }
    // Names the queue by URL: file:///absolute/path (the filesystem queue) or
    // postgres://user:pass@host:5432/db?schema=missive (a PostgreSQL queue shared by drainers
    // on many hosts). Throws with MISSIVE_RESULT_QUEUE_URL_INVALID for a URL that cannot work.
    void set_queue_url(std::string_view url) {
        check(::missive_client_set_queue_url(p_.get(), detail::ptr(url), url.size()));
    }
    // How long a database queue's drainer holds a claimed message (renewed while sending).
    void set_queue_lease(std::chrono::milliseconds lease) {
        check(::missive_client_set_queue_lease(p_.get(), static_cast<uint64_t>(lease.count())));
    }
    // Enqueue at most once per Message-ID.
    void set_queue_idempotent(bool idempotent) {
        check(::missive_client_set_queue_idempotent(p_.get(), idempotent));
    }
    void set_queue_retry(uint64_t initial_delay_ms, uint64_t max_delay_ms, uint32_t max_attempts) {
        check(::missive_client_set_queue_retry(p_.get(), initial_delay_ms, max_delay_ms,
                                               max_attempts));
    }
    /// Writes the message durably into the queue; drain_queue() delivers it.
    void send_to_queue(const Message &message) {
        check(::missive_client_send_to_queue(p_.get(), message.get()));
    }
    /// Delivers due messages (0: no limit on count or time). When the server cannot be reached
    /// (or refuses TLS or the credentials) the drain stops and throws QueueDrainError
    /// (code MISSIVE_RESULT_QUEUE_SERVER_UNAVAILABLE) carrying the counts: the messages stay queued.
    /// A database queue that cannot be reached throws QueueDrainError too
    /// (MISSIVE_RESULT_QUEUE_DATABASE_UNAVAILABLE).
    QueueDrainCounts drain_queue(size_t max_messages = 0, uint64_t time_budget_ms = 0) {
        QueueDrainCounts counts{};
        missive_result r =
            ::missive_client_drain_queue(p_.get(), max_messages, time_budget_ms, &counts);
        if (r == MISSIVE_RESULT_QUEUE_SERVER_UNAVAILABLE ||
            r == MISSIVE_RESULT_QUEUE_DATABASE_UNAVAILABLE)
            throw QueueDrainError(r, error(), counts);
        check(r);
        return counts;
    }
    QueueCounts queue_state() {
        QueueCounts counts{};
        check(::missive_client_queue_state(p_.get(), &counts));
        return counts;
    }
    /// One line per message: ID, STATE, ATTEMPTS, NEXT_ATTEMPT_UNIX_MS, LAST_ERROR (tab-separated).
    std::string queue_list() {
        auto got = detail::fetch<char>(
            [&](char *b, size_t n, size_t *o) { return ::missive_client_queue_list(p_.get(), b, n, o); },
            true);
        check(got.first);
        return std::move(got.second);
    }

    /// Sends raw bytes with an explicit envelope (recipients comma-separated).
    SendResult send_raw(std::string_view mail_from, std::string_view recipients,
                        std::string_view data) {
        missive_send_result *raw = nullptr;
        missive_result r = ::missive_client_send_raw(
            p_.get(), detail::ptr(mail_from), mail_from.size(), detail::ptr(recipients),
            recipients.size(), detail::bytes(data), data.size(), &raw);
        return finish(r, raw);
    }
    void noop() { check(::missive_client_noop(p_.get())); }
    void validate_credentials() { check(::missive_client_validate_credentials(p_.get())); }
    std::string capabilities() {
        auto got = detail::fetch<char>(
            [&](char *b, size_t n, size_t *o) {
                return ::missive_client_capabilities(p_.get(), b, n, o);
            },
            true);
        check(got.first);
        return std::move(got.second);
    }
    /// QUITs and closes kept connections (the next send opens a new one).
    void close() { check(::missive_client_close(p_.get())); }

    std::string error() const { return detail::error_text(&::missive_client_error, p_.get()); }
    missive_client *get() const noexcept { return p_.get(); }

private:
    static void log_trampoline(void *userdata, int32_t direction, const char *line,
                               size_t len) {
        try {
            (*static_cast<LogCallback *>(userdata))(static_cast<LogDirection>(direction),
                                                    std::string_view(line, len));
        } catch (...) {
            // An exception must not unwind into the library.
        }
    }
    static void log_free(void *userdata) { delete static_cast<LogCallback *>(userdata); }
    static int32_t token_trampoline(void *userdata, bool refresh, char *buf, size_t buf_len,
                                    size_t *out_len) {
        std::string text;
        int32_t code = MISSIVE_RESULT_OK;
        try {
            text = (*static_cast<TokenProvider *>(userdata))(refresh);
        } catch (const std::exception &e) {
            text = e.what();
            code = MISSIVE_RESULT_TOKEN_PROVIDER_FAILED;
        } catch (...) {
            text = "the token provider threw";
            code = MISSIVE_RESULT_TOKEN_PROVIDER_FAILED;
        }
        if (text.size() > buf_len) {
            if (code == MISSIVE_RESULT_OK) {
                *out_len = text.size();
                return MISSIVE_RESULT_BUFFER_TOO_SMALL;
            }
            text.resize(buf_len); // an error message is cut to fit
        }
        std::copy(text.begin(), text.end(), buf);
        *out_len = text.size();
        return code;
    }
    template <typename T>
    static void delete_boxed(void *userdata) {
        delete static_cast<T *>(userdata);
    }
    static int32_t progress_trampoline(void *userdata, const missive_progress *progress) {
        try {
            return (*static_cast<ProgressCallback *>(userdata))(*progress) ? 0 : 1;
        } catch (...) {
            return 1; // an exception cancels the send
        }
    }
    static void completion_trampoline(void *userdata, missive_result code,
                                      const missive_bulk_result *) {
        try {
            (*static_cast<CompletionCallback *>(userdata))(code);
        } catch (...) {
        }
    }
    static int64_t read_trampoline(void *userdata, uint8_t *buf, size_t len) {
        try {
            return (*static_cast<const ReadFunction *>(userdata))(buf, len);
        } catch (...) {
            return -1;
        }
    }
    template <typename Start>
    Operation start_async(const CompletionCallback &on_complete, Start &&start) {
        CompletionCallback *boxed = on_complete ? new CompletionCallback(on_complete) : nullptr;
        missive_operation *op = nullptr;
        missive_result r = start(boxed ? &completion_trampoline : nullptr, boxed,
                                 boxed ? &delete_boxed<CompletionCallback> : nullptr, &op);
        if (r != MISSIVE_RESULT_OK) {
            delete boxed; // on failure the library never calls cb or userdata_free
            throw Error(r, error());
        }
        return Operation(op);
    }
    void check(missive_result r) const {
        if (r != MISSIVE_RESULT_OK) throw Error(r, error());
    }
    /// True when a collection send failed as a whole before any message: every message FAILED
    /// with `r`, a configuration or session code (nothing sent, nothing of unknown outcome).
    static bool nothing_attempted(missive_result r, const BulkResult &result) {
        switch (r) {
        case MISSIVE_RESULT_HOST_NOT_SET:
        case MISSIVE_RESULT_PICKUP_DIRECTORY_NOT_SET:
        case MISSIVE_RESULT_INVALID_ARGUMENT:
        case MISSIVE_RESULT_CONNECT_FAILED:
        case MISSIVE_RESULT_TIMEOUT:
        case MISSIVE_RESULT_TLS_FAILED:
        case MISSIVE_RESULT_CERTIFICATE_INVALID:
        case MISSIVE_RESULT_START_TLS_NOT_OFFERED:
        case MISSIVE_RESULT_CREDENTIALS_REQUIRE_TLS:
        case MISSIVE_RESULT_AUTH_FAILED:
        case MISSIVE_RESULT_AUTH_UNSUPPORTED:
        case MISSIVE_RESULT_CONNECTION_LOST:
        case MISSIVE_RESULT_PROTOCOL_ERROR:
        case MISSIVE_RESULT_PERMISSION_DENIED:
        case MISSIVE_RESULT_IO:
            break;
        default:
            return false;
        }
        size_t n = result.size();
        if (n == 0 || result.count(BulkStatus::Failed) != n) return false;
        for (size_t i = 0; i < n; ++i) {
            if (result.item(i).second != r) return false;
        }
        return true;
    }
    SendResult finish(missive_result r, missive_send_result *raw) {
        if (r == MISSIVE_RESULT_OK) return SendResult(raw);
        auto result = std::make_shared<SendResult>(raw);
        // The send's own detail; the client's text only when no result was made (arguments).
        std::string why = raw != nullptr ? result->detail() : error();
        throw SendError(r, std::move(why), std::move(result));
    }
    std::unique_ptr<missive_client, detail::Deleter<missive_client, &::missive_client_free>> p_;
};

} // namespace missive

#endif // MISSIVE_HPP
