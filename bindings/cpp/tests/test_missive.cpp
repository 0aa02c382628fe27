// GoogleTest suite for bindings/cpp/missive.hpp, against the real aiosmtpd server of the CTest
// fixture "smtp_server" ($MISSIVE_SMTP_FIXTURE_DIR holds `port` and `maildir`; the server
// stores message n as maildir/msg-<n>.env and .eml and replies "queued as Q<n>").
#include "missive.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace {

static_assert(!std::is_copy_constructible_v<missive::Client>);
static_assert(!std::is_copy_constructible_v<missive::Message>);
static_assert(!std::is_copy_constructible_v<missive::MessageCollection>);
static_assert(!std::is_copy_constructible_v<missive::SendResult>);
static_assert(std::is_nothrow_move_constructible_v<missive::Client>);
static_assert(std::is_nothrow_move_constructible_v<missive::Message>);

std::string read_file(const std::string &path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

std::string fixture_dir() {
    const char *d = std::getenv("MISSIVE_SMTP_FIXTURE_DIR");
    return d ? d : "";
}

int fixture_port() { return std::atoi(read_file(fixture_dir() + "/port").c_str()); }

std::string fixture_mail() { return trim(read_file(fixture_dir() + "/maildir")); }

// A loopback port where nothing listens (bound to port 0, then closed).
uint16_t free_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) != 0) {
        if (fd >= 0) close(fd);
        return 1;
    }
    close(fd);
    return ntohs(a.sin_port);
}

// The stored message for a send result's queue id "Q<n>".
std::string arrived(const missive::SendResult &r, const char *ext) {
    auto q = r.queue_id();
    if (!q || q->size() < 2) return "";
    return read_file(fixture_mail() + "/msg-" + q->substr(1) + ext);
}

missive::Client fixture_client() {
    int port = fixture_port();
    if (port <= 0) ADD_FAILURE() << "no SMTP fixture: set MISSIVE_SMTP_FIXTURE_DIR (CTest does)";
    missive::Client c;
    c.set_url("smtp+plain://127.0.0.1:" + std::to_string(port));
    c.set_timeouts(5000, 20000);
    return c;
}

missive::Message simple(const std::string &subject, const std::string &to) {
    missive::Message m;
    m.set_from("Sender <sender@example.com>");
    m.add_to(to);
    m.set_subject(subject);
    m.set_body("Hello from the C++ tests.\n");
    return m;
}

// The media types of the parts of the first multipart/alternative in `eml`, in order.
std::vector<std::string> alternative_parts(const std::string &eml) {
    std::vector<std::string> types;
    size_t at = eml.find("multipart/alternative");
    if (at == std::string::npos) return types;
    size_t b = eml.find("boundary=", at);
    if (b == std::string::npos) return types;
    b += 9;
    bool quoted = b < eml.size() && eml[b] == '"';
    if (quoted) ++b;
    size_t e = eml.find_first_of(quoted ? "\"" : ";\r\n", b);
    const std::string delim = "\n--" + eml.substr(b, e - b);
    for (size_t p = eml.find(delim, e); p != std::string::npos; p = eml.find(delim, p + 1)) {
        size_t part = p + delim.size();
        if (eml.compare(part, 2, "--") == 0) break; // the close delimiter
        size_t header_end = eml.find("\n\r\n", part);
        std::string header = eml.substr(part, header_end - part);
        std::string lower;
        for (char c : header) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        size_t ct = lower.find("\ncontent-type:");
        if (ct == std::string::npos) {
            types.push_back("text/plain"); // the default
            continue;
        }
        size_t v = lower.find_first_not_of(" \t", ct + 14);
        types.push_back(lower.substr(v, lower.find_first_of("; \t\r\n", v) - v));
    }
    return types;
}

// A multipart/mixed whose closing "--BOUNDARY--" line never comes.
const char kUnclosedEml[] =
    "From: Alice <alice@example.com>\r\n"
    "To: bob@example.com\r\n"
    "Subject: Unclosed\r\n"
    "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
    "Message-ID: <unclosed@example.com>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"BOUNDARY\"\r\n"
    "\r\n"
    "--BOUNDARY\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "The first part.\r\n"
    "--BOUNDARY\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "The second part, and then the data ends.\r\n";

// `levels` nested multipart/mixed entities (each closed) around one text part.
std::string nested_eml(int levels) {
    std::string s = "From: a@example.com\r\nTo: b@example.com\r\nSubject: deep\r\nMIME-Version: 1.0\r\n";
    for (int i = 0; i < levels; ++i) {
        std::string b = "b" + std::to_string(i);
        s += "Content-Type: multipart/mixed; boundary=\"" + b + "\"\r\n\r\n--" + b + "\r\n";
    }
    s += "Content-Type: text/plain\r\n\r\nleaf\r\n";
    for (int i = levels - 1; i >= 0; --i) s += "--b" + std::to_string(i) + "--\r\n";
    return s;
}

// A loaded message with folded, encoded and oddly spaced fields, a preamble and an epilogue.
const char kEditEml[] =
    "Return-Path: <alice@example.com>\r\n"
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=sel;\r\n"
    "\th=from:to:subject:date:message-id;\r\n"
    "\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=dGVzdA==\r\n"
    "From: \"Alice Example\" <alice@example.com>\r\n"
    "To: Bob <bob@example.com>,\r\n"
    "  carol@example.org\r\n"
    "Cc: dave@example.net\r\n"
    "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=  and two  spaces\r\n"
    "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
    "Message-ID: <edit-keeps-bytes@example.com>\r\n"
    "X-Odd-Spacing:    value   with spaces\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/alternative; boundary=\"ALT\"\r\n"
    "\r\n"
    "This is the preamble.\r\n"
    "--ALT\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Gr=C3=BC=C3=9Fe, Bob.\r\n"
    "--ALT\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "PHA+R3LDvMOfZSwgQm9iLjwvcD4=\r\n"
    "--ALT--\r\n"
    "The epilogue.\r\n";

TEST(Library, Version) {
    EXPECT_EQ(missive::version(), MISSIVE_VERSION);
    EXPECT_EQ(missive::result_str(MISSIVE_RESULT_OK).empty(), false);
}

TEST(MessageTest, FieldsRoundTrip) {
    missive::Message m;
    m.set_from("Sender <sender@example.com>");
    m.set_sender("bounce@example.com");
    m.add_to("a@example.com, B <b@example.com>");
    m.add_cc("c@example.com");
    m.add_bcc("d@example.com");
    m.add_reply_to("r@example.com");
    m.set_subject("Grüße");
    m.set_body("plain");
    m.set_html_body("<p>html</p>");
    EXPECT_EQ(*m.from(), "Sender <sender@example.com>");
    EXPECT_EQ(m.recipients(missive::RecipientKind::To).size(), 2u);
    EXPECT_EQ(m.recipients(missive::RecipientKind::To)[1], "B <b@example.com>");
    EXPECT_EQ(m.subject(), "Grüße");
    EXPECT_EQ(m.body(), "plain");
    EXPECT_EQ(*m.html_body(), "<p>html</p>");
    EXPECT_TRUE(m.is_body_html());
    m.set_is_body_html(false);
    EXPECT_FALSE(m.is_body_html());
    m.clear_recipients(missive::RecipientKind::Cc);
    EXPECT_TRUE(m.recipients(missive::RecipientKind::Cc).empty());

    m.add_alternate_view("text/calendar; method=REQUEST", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
    m.add_attachment("data.bin", std::string("\0\1\2", 3), "application/octet-stream");
    m.add_inline_resource("logo@x", "PNGDATA", "logo.png");
    EXPECT_EQ(m.part_count(missive::PartKind::AlternateView), 1u);
    EXPECT_EQ(m.part_count(missive::PartKind::Attachment), 1u);
    EXPECT_EQ(*m.part_field(missive::PartKind::Attachment, 0, missive::PartField::Content),
              std::string("\0\1\2", 3));
    EXPECT_EQ(*m.part_field(missive::PartKind::Attachment, 0, missive::PartField::Name),
              "data.bin");
    EXPECT_EQ(*m.part_field(missive::PartKind::InlineResource, 0, missive::PartField::ContentId),
              "logo@x");
    EXPECT_FALSE(m.part_field(missive::PartKind::Attachment, 0, missive::PartField::ContentId));

    m.add_header("X-Campaign", "spring");
    EXPECT_EQ(*m.header("x-campaign"), "spring");
    EXPECT_FALSE(m.header("X-Missing"));
    m.set_priority(missive::Priority::High);
    m.set_date(1700000000, 60);
    m.set_message_id("abc@example.com");
    EXPECT_EQ(*m.message_id(), "abc@example.com");
    m.set_delivery_notification(missive::DsnNotify::Success | missive::DsnNotify::Failure,
                                missive::DsnRet::Headers, "env-1");
    EXPECT_FALSE(m.needs_smtputf8());

    std::string eml = m.save_buffer();
    EXPECT_NE(eml.find("X-Campaign: spring"), std::string::npos);
    EXPECT_NE(eml.find("X-Priority: 1"), std::string::npos);
    EXPECT_EQ(eml.find("d@example.com"), std::string::npos) << "Bcc must not be in the headers";

    missive::Message copy = m.clone();
    EXPECT_EQ(copy.subject(), "Grüße");
    missive::Message loaded = missive::Message::from_bytes(eml);
    EXPECT_EQ(loaded.subject(), "Grüße");
    EXPECT_EQ(loaded.save_buffer(), eml);
}

TEST(MessageTest, FilesAndMove) {
    char dir[] = "/tmp/missive-cpp-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    std::string path = std::string(dir) + "/m.eml";
    missive::Message m = simple("Saved", "x@example.com");
    m.save_file(path);
    missive::Message loaded = missive::Message::from_file(path);
    EXPECT_EQ(loaded.subject(), "Saved");
    std::string att = std::string(dir) + "/notes.txt";
    std::ofstream(att) << "notes";
    loaded.add_attachment_file(att);
    EXPECT_EQ(*loaded.part_field(missive::PartKind::Attachment, 0, missive::PartField::ContentType),
              "text/plain");
    missive::Message moved = std::move(loaded);
    EXPECT_EQ(moved.subject(), "Saved");
    std::remove(att.c_str());
    std::remove(path.c_str());
    rmdir(dir);
}

TEST(MessageTest, ErrorsCarryCodeAndText) {
    missive::Message m;
    try {
        m.set_from("bad\r\nBcc: evil@example.com");
        FAIL() << "no exception";
    } catch (const missive::Error &e) {
        EXPECT_EQ(e.code(), MISSIVE_RESULT_INVALID_ADDRESS);
        EXPECT_FALSE(e.detail().empty());
        EXPECT_NE(std::string(e.what()).find(e.detail()), std::string::npos);
    }
    EXPECT_THROW(m.load_file("/nonexistent/x.eml"), missive::Error);
    try {
        m.load_file("/nonexistent/x.eml");
    } catch (const missive::Error &e) {
        EXPECT_EQ(e.code(), MISSIVE_RESULT_FILE_NOT_FOUND);
    }
    missive::Client c;
    try {
        c.set_host("bad host");
        FAIL() << "no exception";
    } catch (const missive::Error &e) {
        EXPECT_EQ(e.code(), MISSIVE_RESULT_INVALID_ARGUMENT);
        EXPECT_EQ(e.detail(), c.error());
    }
}

TEST(MessageTest, StrictLoadingAndWarnings) {
    missive::Message m;
    EXPECT_TRUE(m.load_warnings().empty());
    // Lenient (the default): it loads, with one warning naming the missing line.
    m.load_bytes(kUnclosedEml);
    EXPECT_EQ(m.subject(), "Unclosed");
    std::vector<std::string> w = m.load_warnings();
    ASSERT_EQ(w.size(), 1u);
    EXPECT_NE(w[0].find("--BOUNDARY--"), std::string::npos) << w[0];
    EXPECT_EQ(m.save_buffer(), kUnclosedEml);
    // Strict: refused with TRUNCATED_EML, and the message is as it was.
    m.set_strict_loading(true);
    try {
        m.load_bytes(kUnclosedEml);
        FAIL() << "no exception";
    } catch (const missive::Error &e) {
        EXPECT_EQ(e.code(), MISSIVE_RESULT_TRUNCATED_EML);
        EXPECT_NE(e.detail().find("--BOUNDARY--"), std::string::npos) << e.detail();
    }
    EXPECT_EQ(m.subject(), "Unclosed");
    EXPECT_EQ(m.save_buffer(), kUnclosedEml);
    EXPECT_EQ(m.load_warnings(), w);
    try {
        m.load_bytes("From: a@example.com\r\nSubject: prose\r\nsome prose\r\n\r\nbody\r\n");
        FAIL() << "no exception";
    } catch (const missive::Error &e) {
        EXPECT_EQ(e.code(), MISSIVE_RESULT_MALFORMED_EML);
    }
    EXPECT_EQ(m.save_buffer(), kUnclosedEml);
    // A clean message loads strictly, without warnings; lenient again, the warning is back.
    m.load_bytes("From: a@example.com\r\nSubject: clean\r\n\r\nbody\r\n");
    EXPECT_TRUE(m.load_warnings().empty());
    m.set_strict_loading(false);
    m.load_bytes(kUnclosedEml);
    EXPECT_EQ(m.load_warnings(), w);
}

TEST(MessageTest, TooComplexIsRefused) {
    missive::Message m;
    m.set_subject("keep me");
    try {
        m.load_bytes(nested_eml(150));
        FAIL() << "no exception";
    } catch (const missive::Error &e) {
        EXPECT_EQ(e.code(), MISSIVE_RESULT_MESSAGE_TOO_COMPLEX);
        EXPECT_NE(e.detail().find("100"), std::string::npos) << e.detail();
    }
    EXPECT_EQ(m.subject(), "keep me");
    m.load_bytes(nested_eml(50));
    EXPECT_EQ(m.body(), "leaf");
}

TEST(MessageTest, EditKeepsOtherBytes) {
    const std::string in = kEditEml;
    const size_t to = in.find("\r\nTo:") + 2;
    const size_t to_end = in.find("\r\nCc:") + 2;
    missive::Message m = missive::Message::from_bytes(in);
    m.add_to("erin@example.com");
    const std::string out = m.save_buffer();
    const size_t suffix = in.size() - to_end;
    ASSERT_GT(out.size(), to + suffix) << out;
    // Every byte before and after the To field is the input's.
    EXPECT_EQ(out.substr(0, to), in.substr(0, to)) << out;
    EXPECT_EQ(out.substr(out.size() - suffix), in.substr(to_end)) << out;
    const std::string field = out.substr(to, out.size() - suffix - to);
    EXPECT_EQ(field.rfind("To:", 0), 0u) << field;
    for (const char *a : {"bob@example.com", "carol@example.org", "erin@example.com"})
        EXPECT_NE(field.find(a), std::string::npos) << field;
    missive::Message again = missive::Message::from_bytes(out);
    EXPECT_EQ(again.recipients(missive::RecipientKind::To).size(), 3u);
}

TEST(ClientTest, SettersAccepted) {
    missive::Client c("smtp.example.com", 587, "me", "pw", missive::Security::SslExplicit);
    c.set_oauth2_token("tok");
    c.set_oauth2_token("");
    c.set_auth_mechanism(missive::AuthMechanism::Plain);
    c.set_auth_mechanism(missive::AuthMechanism::ScramSha256);
    c.set_auth_mechanism(missive::AuthMechanism::OAuthBearer);
    c.set_proxy("http://user:pass@127.0.0.1:3128");
    c.set_proxy("");
    c.set_client_name("client.example.com");
    c.set_ca_file("/etc/ssl/certs/ca-certificates.crt");
    c.set_client_certificate("", "");
    c.set_min_tls_version(missive::TlsVersion::Tls13);
    c.dangerous_accept_invalid_certs(false);
    c.set_pipelining(true);
    c.set_chunking(true);
    c.set_require_all_recipients(false);
    EXPECT_THROW(c.set_client_certificate("cert.pem", ""), missive::Error);
    missive::Client moved = std::move(c);
    moved.close();
}

TEST(ClientTest, PickupDirectory) {
    char dir[] = "/tmp/missive-cpp-pickup-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    missive::Client c;
    c.set_delivery_method(missive::DeliveryMethod::PickupDirectory);
    c.set_pickup_directory(dir);
    missive::SendResult r = c.send(simple("Pickup", "p@example.com"));
    ASSERT_TRUE(r.delivered());
    auto path = r.pickup_path();
    ASSERT_TRUE(path);
    std::string eml = read_file(*path);
    EXPECT_NE(eml.find("X-Receiver: p@example.com"), std::string::npos) << eml;
    std::remove(path->c_str());
    rmdir(dir);
}

TEST(ClientTest, DkimSignedPickupFileVerifies) {
    const std::string fixtures = std::string(MISSIVE_SOURCE_DIR) + "/tests/fixtures/dkim/";
    char dir[] = "/tmp/missive-cpp-dkim-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    missive::Client c;
    c.set_delivery_method(missive::DeliveryMethod::PickupDirectory);
    c.set_pickup_directory(dir);
    c.add_dkim_signer("example.com", "rsa1", read_file(fixtures + "rsa-pkcs1.pem"),
                      missive::DkimAlgorithm::RsaSha256);
    c.add_dkim_signer_file("example.com", "ed", fixtures + "ed25519.pem",
                           missive::DkimAlgorithm::Ed25519Sha256,
                           missive::DkimFlags::HeaderSimple | missive::DkimFlags::BodySimple);
    EXPECT_EQ(c.dkim_signer_count(), 2u);
    try {
        c.add_dkim_signer("example.com", "x", read_file(fixtures + "ec-sec1.pem"),
                          missive::DkimAlgorithm::RsaSha256);
        ADD_FAILURE() << "an EC key was accepted";
    } catch (const missive::Error &e) {
        EXPECT_EQ(e.code(), MISSIVE_RESULT_DKIM_KEY_INVALID);
        EXPECT_NE(std::string(e.what()).find("SEC1"), std::string::npos) << e.what();
    }
    missive::Message m = simple("Signed from C++", "p@example.com");
    m.set_list_unsubscribe("https://example.com/u/9", "unsub@example.com", true);
    EXPECT_EQ(m.header("List-Unsubscribe-Post").value_or(""), "List-Unsubscribe=One-Click");
    try {
        m.set_list_unsubscribe("http://example.com/u", "", true);
        ADD_FAILURE() << "one-click over http was accepted";
    } catch (const missive::Error &e) {
        EXPECT_EQ(e.code(), MISSIVE_RESULT_LIST_UNSUBSCRIBE_INVALID);
    }
    missive::SendResult r = c.send(m);
    ASSERT_TRUE(r.delivered());
    auto path = r.pickup_path();
    ASSERT_TRUE(path);
    std::string verdict_path = std::string(dir) + "/verdict.json";
    std::string cmd = "python3 '" + std::string(MISSIVE_SOURCE_DIR) +
                      "/tests/support/py/dkim_verify.py' '" + fixtures + "keys.txt' '" + *path +
                      "' > '" + verdict_path + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    std::string verdict = read_file(verdict_path);
    EXPECT_NE(verdict.find("\"s\": \"rsa1\""), std::string::npos) << verdict;
    EXPECT_NE(verdict.find("\"s\": \"ed\""), std::string::npos) << verdict;
    EXPECT_NE(verdict.find("\"dkimpy\": true"), std::string::npos) << verdict;
    EXPECT_NE(verdict.find("\"opendkim\": true"), std::string::npos) << verdict;
    EXPECT_EQ(verdict.find("false"), std::string::npos) << verdict;
    c.clear_dkim_signers();
    EXPECT_EQ(c.dkim_signer_count(), 0u);
    std::remove(path->c_str());
    std::remove(verdict_path.c_str());
    rmdir(dir);
}

TEST(ClientTest, PickupFileKeepsItsEnvelope) {
    char dir[] = "/tmp/missive-cpp-pickup-env-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    std::string in = std::string(dir) + "/in.pickup";
    {
        std::ofstream f(in, std::ios::binary);
        f << "X-Sender: desk@example.com\r\nX-Receiver: bob@example.com\r\n"
             "X-Receiver: audit@example.net\r\nX-Sender: spoofed@evil.example\r\n"
             "X-Receiver: hidden@evil.example\r\nFrom: alice@example.com\r\n"
             "To: bob@example.com\r\nSubject: pickup\r\n\r\nbody\r\n";
    }
    missive::Message m = missive::Message::from_pickup_file(in);
    std::remove(in.c_str());
    EXPECT_EQ(m.envelope_sender().value_or("-"), "desk@example.com");
    EXPECT_EQ(m.envelope_recipients(),
              (std::vector<std::string>{"bob@example.com", "audit@example.net"}));
    EXPECT_EQ(m.save_buffer().find("evil.example"), std::string::npos);
    missive::Client c;
    c.set_delivery_method(missive::DeliveryMethod::PickupDirectory);
    c.set_pickup_directory(dir);
    missive::SendResult r = c.send(m);
    ASSERT_TRUE(r.pickup_path());
    std::string out = read_file(*r.pickup_path());
    EXPECT_EQ(out.rfind("X-Sender: desk@example.com\r\nX-Receiver: bob@example.com\r\n"
                        "X-Receiver: audit@example.net\r\nFrom: alice@example.com\r\n",
                        0),
              0u)
        << out;
    EXPECT_EQ(out.find("evil.example"), std::string::npos) << out;
    std::remove(r.pickup_path()->c_str());
    m.clear_envelope();
    EXPECT_FALSE(m.envelope_sender());
    EXPECT_TRUE(m.envelope_recipients().empty());
    EXPECT_THROW(m.load_pickup_file("/nonexistent/x.eml"), missive::Error);
    rmdir(dir);
}

TEST(Smtp, SendArrives) {
    missive::Client c = fixture_client();
    std::atomic<int> lines{0};
    c.set_protocol_log([&](missive::LogDirection, std::string_view) { ++lines; });
    missive::SendResult r = c.send(simple("C++ send", "to@example.com"));
    EXPECT_TRUE(r.delivered());
    EXPECT_EQ(r.reply_code(), 250);
    EXPECT_EQ(r.enhanced_code().value_or(""), "2.0.0");
    EXPECT_NE(r.reply_text().find("queued as"), std::string::npos);
    EXPECT_EQ(r.accepted(), std::vector<std::string>{"to@example.com"});
    EXPECT_TRUE(r.rejected().empty());
    EXPECT_FALSE(r.is_transient());
    EXPECT_FALSE(r.outcome_unknown());
    EXPECT_TRUE(r.error().empty());
    EXPECT_NE(arrived(r, ".eml").find("Subject: C++ send"), std::string::npos);
    EXPECT_NE(arrived(r, ".env").find("RCPT to@example.com"), std::string::npos);
    EXPECT_GT(lines.load(), 3);
    c.set_protocol_log(nullptr);
    c.noop();
    EXPECT_NE(c.capabilities().find("8BITMIME"), std::string::npos);
    c.close();
}

// The seed's scenario 4: an HTML body (is_body_html) plus a plain-text alternate view, in that
// order. On the wire, text/plain comes first in the multipart/alternative (RFC 2046 5.1.4).
TEST(Smtp, HtmlBodyWithPlainTextAlternateView) {
    missive::Client c = fixture_client();
    missive::Message m;
    m.set_from("Sender <sender@example.com>");
    m.add_to("scenario4-cpp@example.com");
    m.set_subject("C++ HTML with a plain-text alternate view");
    m.set_body("<html><body><p>Hello in <b>HTML</b>.</p></body></html>");
    m.set_is_body_html(true);
    m.add_alternate_view("text/plain", "Hello in plain text.\n");
    std::string eml = arrived(c.send(m), ".eml");
    std::vector<std::string> parts = alternative_parts(eml);
    EXPECT_EQ(parts, (std::vector<std::string>{"text/plain", "text/html"})) << eml;
    size_t alt = eml.find("multipart/alternative");
    size_t plain = eml.find("text/plain", alt);
    size_t html = eml.find("text/html", alt);
    ASSERT_NE(alt, std::string::npos) << eml;
    ASSERT_NE(plain, std::string::npos) << eml;
    ASSERT_NE(html, std::string::npos) << eml;
    EXPECT_LT(plain, html) << eml;
}

TEST(Smtp, RejectedRecipientIsTyped) {
    missive::Client c = fixture_client();
    try {
        c.send(simple("C++ reject", "reject-me@example.com"));
        FAIL() << "no exception";
    } catch (const missive::SendError &e) {
        EXPECT_EQ(e.code(), MISSIVE_RESULT_ALL_RECIPIENTS_REJECTED);
        ASSERT_NE(e.result(), nullptr);
        EXPECT_FALSE(e.result()->delivered());
        auto rej = e.result()->rejected();
        ASSERT_EQ(rej.size(), 1u);
        EXPECT_EQ(rej[0].address, "reject-me@example.com");
        EXPECT_EQ(rej[0].code, 550);
        EXPECT_NE(rej[0].reply.find("5.1.1"), std::string::npos);
    }
    // Some refused, some accepted: delivered to the others, still reported.
    try {
        missive::Message m = simple("C++ partial", "ok@example.com");
        m.add_cc("reject-cc@example.com");
        c.send(m);
        FAIL() << "no exception";
    } catch (const missive::SendError &e) {
        EXPECT_EQ(e.code(), MISSIVE_RESULT_SOME_RECIPIENTS_REJECTED);
        ASSERT_NE(e.result(), nullptr);
        EXPECT_TRUE(e.result()->delivered());
        EXPECT_EQ(arrived(*e.result(), ".env").find("reject-cc"), std::string::npos);
    }
}

// Two threads fail on ONE client at the same time in different ways: one sends to recipients
// the server refuses (a new one each time), the other, while the first runs, a message without
// recipients. Each SendError's text is its own send's (from its result), never the other's.
TEST(Smtp, ConcurrentFailuresKeepTheirOwnDetail) {
    missive::Client c = fixture_client();
    constexpr int rounds = 30;
    std::atomic<bool> done{false};
    std::atomic<int> wrong{0}, empties{0};
    std::string first_wrong;
    std::thread refused([&] {
        for (int i = 0; i < rounds; ++i) {
            std::string to = "reject-cpp" + std::to_string(i) + "@example.com";
            try {
                c.send(simple("C++ race", to));
                ++wrong;
            } catch (const missive::SendError &e) {
                if (e.code() != MISSIVE_RESULT_ALL_RECIPIENTS_REJECTED ||
                    e.detail().find(to) == std::string::npos || e.result() == nullptr ||
                    e.result()->code() != e.code() || e.result()->detail() != e.detail()) {
                    if (wrong++ == 0) first_wrong = e.detail();
                }
            }
        }
        done = true;
    });
    missive::Message empty;
    empty.set_from("Sender <sender@example.com>");
    empty.set_subject("C++ race, no recipients");
    while (!done || empties < rounds) {
        ++empties;
        try {
            c.send(empty);
            ++wrong;
        } catch (const missive::SendError &e) {
            if (e.code() != MISSIVE_RESULT_NO_RECIPIENTS ||
                e.detail().find("reject-cpp") != std::string::npos || e.result() == nullptr ||
                e.result()->detail() != e.detail())
                ++wrong;
        }
    }
    refused.join();
    EXPECT_EQ(wrong.load(), 0) << "first: " << first_wrong;
    EXPECT_GE(empties.load(), rounds);
}

TEST(Smtp, CollectionAndRaw) {
    missive::Client c = fixture_client();
    missive::MessageCollection coll;
    for (int i = 0; i < 3; ++i) coll.add(simple("bulk " + std::to_string(i), "bulk@example.com"));
    EXPECT_EQ(coll.size(), 3u);
    EXPECT_EQ(coll.at(2).subject(), "bulk 2");
    EXPECT_THROW(coll.at(3), std::out_of_range);
    EXPECT_TRUE(coll.error().empty());
    missive::BulkResult all = c.send_collection(coll);
    EXPECT_EQ(all.size(), 3u);
    EXPECT_EQ(all.count(missive::BulkStatus::Sent), 3u);
    EXPECT_EQ(all.code(), MISSIVE_RESULT_OK);
    EXPECT_NE(arrived(all.result(1), ".eml").find("Subject: bulk 1"), std::string::npos);
    coll.add(simple("bulk bad", "reject-bulk@example.com"));
    // A partial failure is the normal report, not an exception.
    missive::BulkResult partial = c.send_collection(coll);
    EXPECT_EQ(partial.code(), MISSIVE_RESULT_PARTIAL_FAILURE);
    EXPECT_EQ(partial.count(missive::BulkStatus::Sent), 3u);
    EXPECT_EQ(partial.item(3).first, missive::BulkStatus::Failed);
    EXPECT_EQ(partial.item(3).second, MISSIVE_RESULT_ALL_RECIPIENTS_REJECTED);
    // The C text passes through: the server's reply, once.
    std::string why = partial.message_error(3);
    EXPECT_NE(why.find("550 5.1.1 <reject-bulk@example.com>"), std::string::npos) << why;
    EXPECT_EQ(why.find("550", why.find("550") + 1), std::string::npos) << why;
    EXPECT_TRUE(partial.message_error(0).empty());
    EXPECT_FALSE(partial.was_cancelled());
    EXPECT_EQ(partial.result(3).rejected().at(0).code, 550);
    EXPECT_THROW(partial.item(9), missive::Error);
    EXPECT_TRUE(partial.error().size() > 0);

    // Nothing could be attempted (nothing listens on the port): BulkSendError, with the
    // client's one-sentence text and every message FAILED with the same code.
    missive::Client down;
    down.set_host("127.0.0.1");
    down.set_port(free_port());
    down.set_security(missive::Security::None);
    try {
        down.send_collection(coll);
        FAIL() << "no exception";
    } catch (const missive::BulkSendError &e) {
        EXPECT_EQ(e.code(), MISSIVE_RESULT_CONNECT_FAILED);
        EXPECT_NE(std::string(e.what()).find("could not connect to 127.0.0.1 port"),
                  std::string::npos)
            << e.what();
        EXPECT_EQ(std::string(e.what()).find("os error"), std::string::npos) << e.what();
        // The reason once, not once per message.
        std::string text = e.what();
        EXPECT_EQ(text.find("could not connect"), text.rfind("could not connect")) << text;
        ASSERT_NE(e.result(), nullptr);
        EXPECT_EQ(e.delivered(), 0u);
        EXPECT_EQ(e.result()->count(missive::BulkStatus::Failed), coll.size());
    }
    missive::SendResult r = c.send_raw("raw@example.com", "r1@example.com, r2@example.com",
                                       "Subject: raw\r\n\r\nraw body\r\n");
    EXPECT_NE(arrived(r, ".eml").find("raw body"), std::string::npos);
    EXPECT_EQ(r.accepted().size(), 2u);
}

TEST(Smtp, AsyncSends) {
    missive::Client c = fixture_client();
    std::atomic<int> completed{0};
    std::atomic<int> code{-1};
    missive::Operation op = c.send_async(simple("C++ async", "async@example.com"),
                                         [&](missive_result r) {
                                             code = static_cast<int>(r);
                                             ++completed;
                                         });
    EXPECT_EQ(op.wait(20000), MISSIVE_RESULT_OK);
    EXPECT_TRUE(op.is_done());
    EXPECT_EQ(op.result_code(), MISSIVE_RESULT_OK);
    EXPECT_EQ(completed.load(), 1);
    EXPECT_EQ(code.load(), 0);
    auto res = op.result();
    ASSERT_TRUE(res);
    EXPECT_NE(arrived(res->result(0), ".eml").find("Subject: C++ async"), std::string::npos);
    EXPECT_TRUE(op.error().empty() || op.result_code() == MISSIVE_RESULT_OK);

    missive::MessageCollection coll;
    for (int i = 0; i < 5; ++i) coll.add(simple("C++ multi " + std::to_string(i), "multi@example.com"));
    std::atomic<size_t> last_done{0};
    c.set_multi_connection(true);
    c.set_connections(2);
    c.set_retry_policy(2, false);
    c.set_progress_callback([&](const missive::Progress &p) {
        last_done = p.done;
        return true;
    });
    missive::Operation bulk = c.send_collection_async(coll);
    EXPECT_EQ(bulk.wait(), MISSIVE_RESULT_OK);
    EXPECT_EQ(bulk.result()->count(missive::BulkStatus::Sent), 5u);
    EXPECT_EQ(last_done.load(), 5u);
    c.set_progress_callback(nullptr);

    // A progress callback that cancels: the rest is NOT_ATTEMPTED.
    c.set_multi_connection(false);
    c.set_progress_callback([](const missive::Progress &) { return false; });
    missive::MessageCollection many;
    for (int i = 0; i < 150; ++i) many.add(simple("C++ cancel", "cancel@example.com"));
    missive::BulkResult cancelled = c.send_collection(many); // cancelling is no error
    EXPECT_EQ(cancelled.code(), MISSIVE_RESULT_CANCELLED);
    EXPECT_TRUE(cancelled.was_cancelled());
    EXPECT_GT(cancelled.count(missive::BulkStatus::NotAttempted), 0u);
    missive::Operation later = c.send_collection_async(many);
    later.cancel();
    later.wait();
    EXPECT_TRUE(later.is_done());
}

TEST(Smtp, Forward) {
    missive::Client c = fixture_client();
    missive::Message m = simple("C++ forward", "original@example.com");
    c.set_forward_sender("Desk <desk@example.com>");
    missive::SendResult r = c.forward(m, missive::ForwardMode::Attach, "fwd-attach@example.com");
    EXPECT_NE(arrived(r, ".eml").find("message/rfc822"), std::string::npos);
    EXPECT_NE(arrived(r, ".env").find("MAIL_FROM desk@example.com"), std::string::npos);

    char dir[] = "/tmp/missive-cpp-fwd-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    std::string path = std::string(dir) + "/m.eml";
    m.save_file(path);
    std::string bytes = read_file(path);
    r = c.forward_file(path, "desk@example.com", "fwd-file@example.com");
    EXPECT_EQ(arrived(r, ".eml"), bytes);
    FILE *f = std::fopen(path.c_str(), "rb");
    ASSERT_NE(f, nullptr);
    r = c.forward_fd(fileno(f), "desk@example.com", "fwd-fd@example.com");
    std::fclose(f);
    EXPECT_EQ(arrived(r, ".eml"), bytes);
    size_t pos = 0;
    missive::ReadFunction read = [&](uint8_t *buf, size_t len) -> int64_t {
        size_t n = std::min(len, bytes.size() - pos);
        std::memcpy(buf, bytes.data() + pos, n);
        pos += n;
        return static_cast<int64_t>(n);
    };
    r = c.forward_stream(read, "desk@example.com", "fwd-stream@example.com",
                         static_cast<int64_t>(bytes.size()));
    EXPECT_EQ(arrived(r, ".eml"), bytes);
    missive::ReadFunction broken = [](uint8_t *, size_t) -> int64_t { return -1; };
    try {
        c.forward_stream(broken, "desk@example.com", "fwd-broken@example.com");
        FAIL() << "no exception";
    } catch (const missive::Error &e) {
        EXPECT_EQ(e.code(), MISSIVE_RESULT_IO);
    }
    std::remove(path.c_str());
    rmdir(dir);
}

TEST(Smtp, Queue) {
    missive::Client c = fixture_client();
    char dir[] = "/tmp/missive-cpp-queue-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    c.set_queue_directory(dir);
    c.set_queue_retry(1000, 60000, 3);
    c.send_to_queue(simple("C++ queued", "queued@example.com"));
    EXPECT_EQ(c.queue_state().queued, 1u);
    EXPECT_NE(c.queue_list().find("queued"), std::string::npos);
    missive::QueueDrainCounts counts = c.drain_queue();
    EXPECT_EQ(counts.delivered, 1u);
    EXPECT_EQ(c.queue_state().queued, 0u);
    EXPECT_EQ(c.queue_list(), "");
    std::string cmd = std::string("rm -rf ") + dir;
    EXPECT_EQ(std::system(cmd.c_str()), 0);
}

// Nothing listens on the port: the drain stops with QueueDrainError carrying the counts, and
// the message stays queued.
TEST(Smtp, QueueDrainServerDownCarriesCounts) {
    missive::Client c;
    c.set_host("127.0.0.1");
    c.set_port(free_port());
    c.set_security(missive::Security::None);
    char dir[] = "/tmp/missive-cpp-queue-down-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    c.set_queue_directory(dir);
    c.send_to_queue(simple("C++ queued, server down", "queued-down@example.com"));
    try {
        c.drain_queue();
        ADD_FAILURE() << "the drain did not throw";
    } catch (const missive::QueueDrainError &e) {
        EXPECT_EQ(e.code(), MISSIVE_RESULT_QUEUE_SERVER_UNAVAILABLE);
        EXPECT_EQ(e.counts().remaining, 1u);
        EXPECT_EQ(e.counts().delivered, 0u);
        EXPECT_EQ(e.counts().dead_lettered, 0u);
    }
    EXPECT_EQ(c.queue_state().queued, 1u);
    std::string cmd = std::string("rm -rf ") + dir;
    EXPECT_EQ(std::system(cmd.c_str()), 0);
}

TEST(Smtp, QueueUrlLeaseIdempotent) {
    missive::Client c = fixture_client();
    char dir[] = "/tmp/missive-cpp-queue-url-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    c.set_queue_url(std::string("file://") + dir);
    c.set_queue_lease(std::chrono::seconds(5));
    c.set_queue_idempotent(true);
    missive::Message m = simple("C++ queued once", "queued-once@example.com");
    c.send_to_queue(m);
    c.send_to_queue(m); // the same Message-ID: not queued again
    EXPECT_EQ(c.queue_state().queued, 1u);
    EXPECT_EQ(c.drain_queue().delivered, 1u);
    try {
        c.set_queue_url("ftp://example.com/queue");
        ADD_FAILURE() << "a bad queue URL was accepted";
    } catch (const missive::Error &e) {
        EXPECT_EQ(e.code(), MISSIVE_RESULT_QUEUE_URL_INVALID);
    }
    try {
        c.set_queue_lease(std::chrono::milliseconds(100));
        ADD_FAILURE() << "a 100 ms lease was accepted";
    } catch (const missive::Error &e) {
        EXPECT_EQ(e.code(), MISSIVE_RESULT_INVALID_ARGUMENT);
    }
    std::string cmd = std::string("rm -rf ") + dir;
    EXPECT_EQ(std::system(cmd.c_str()), 0);
}

TEST(Smtp, AppointmentAndTnef) {
    missive::Appointment a;
    a.set_summary("Planning");
    a.set_description("Line one\nLine two");
    a.set_location("Room 1");
    a.set_times_utc(1893456000, 1893459600);
    a.set_organizer("Boss <boss@example.com>");
    a.add_attendee("room@example.com", missive::AttendeeRole::Resource, false);
    a.set_status(missive::AppointmentStatus::Tentative);
    a.set_reminder(15);
    a.set_recurrence(missive::RecurrenceFrequency::Weekly, 1, 4);
    std::string uid = a.uid();
    EXPECT_FALSE(uid.empty());
    std::string ics = a.to_ics();
    EXPECT_NE(ics.find("SUMMARY:Planning"), std::string::npos);
    EXPECT_NE(ics.find("RRULE:FREQ=WEEKLY"), std::string::npos);
    EXPECT_THROW(a.set_times_utc(10, 5), missive::Error);
    missive::Appointment local;
    local.set_times_local("Europe/Berlin", {2030, 1, 2, 9, 0, 0}, {2030, 1, 2, 10, 0, 0});
    local.set_all_day(2030, 1, 3, 2);

    missive::Client c = fixture_client();
    missive::Message m = simple("C++ meeting", "invitee@example.com");
    m.add_appointment(a, missive::CalendarMethod::Request, true);
    std::string eml = arrived(c.send(m), ".eml");
    EXPECT_NE(eml.find("text/calendar"), std::string::npos);
    EXPECT_NE(eml.find("invite.ics"), std::string::npos);
    EXPECT_EQ(a.increment_sequence(), 1u);

    missive::Message t = simple("C++ tnef", "tnef@example.com");
    EXPECT_FALSE(t.use_tnef());
    t.set_use_tnef(true);
    EXPECT_TRUE(t.use_tnef());
    EXPECT_NE(arrived(c.send(t), ".eml").find("application/ms-tnef"), std::string::npos);
    c.set_use_tnef(true);
    EXPECT_NE(arrived(c.send(simple("C++ tnef client", "tnef@example.com")), ".eml")
                  .find("winmail.dat"),
              std::string::npos);
}

TEST(Smtp, Credentials) {
    missive::Client c;
    c.set_url("smtp+plain://alice:wonderland@127.0.0.1:" + std::to_string(fixture_port()));
    c.set_timeouts(5000, 20000);
    c.validate_credentials();
    c.set_password("wrong");
    try {
        c.validate_credentials();
        FAIL() << "no exception";
    } catch (const missive::Error &e) {
        EXPECT_EQ(e.code(), MISSIVE_RESULT_AUTH_FAILED);
    }
}

TEST(Smtp, TokenProviderRefreshesOnce) {
    missive::Client c;
    c.set_url("smtp+plain://carol@127.0.0.1:" + std::to_string(fixture_port()));
    c.set_timeouts(5000, 20000);
    std::vector<bool> asked;
    c.set_token_provider([&](bool refresh) {
        asked.push_back(refresh);
        // The fixture knows only carol's "fresh-token-42": the first token is refused.
        return std::string(refresh ? "fresh-token-42" : "stale-token-1");
    });
    missive::SendResult r = c.send(simple("C++ OAuth", "to@example.com"));
    EXPECT_TRUE(r.delivered());
    EXPECT_EQ(asked, (std::vector<bool>{false, true}));
    EXPECT_NE(arrived(r, ".env").find("AUTH carol"), std::string::npos);
    // A provider that throws: TOKEN_PROVIDER_FAILED with the exception's text.
    c.set_token_provider([](bool) -> std::string { throw std::runtime_error("offline"); });
    try {
        c.send(simple("C++ OAuth fails", "to@example.com"));
        FAIL() << "no exception";
    } catch (const missive::Error &e) {
        EXPECT_EQ(e.code(), MISSIVE_RESULT_TOKEN_PROVIDER_FAILED);
        EXPECT_NE(std::string(e.what()).find("offline"), std::string::npos);
    }
    c.set_token_provider(nullptr);
}

TEST(ClientTest, Proxy) {
    missive::Client c;
    c.set_url("smtp+plain://127.0.0.1:" + std::to_string(fixture_port()));
    c.set_timeouts(5000, 20000);
    try {
        c.set_proxy("gopher://u:hunter2@127.0.0.1:1");
        FAIL() << "no exception";
    } catch (const missive::Error &e) {
        EXPECT_EQ(e.code(), MISSIVE_RESULT_INVALID_ARGUMENT);
        EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos);
    }
    c.set_proxy("socks5://127.0.0.1:1");
    try {
        c.noop();
        FAIL() << "no exception";
    } catch (const missive::Error &e) {
        EXPECT_EQ(e.code(), MISSIVE_RESULT_PROXY_FAILED);
    }
    c.set_proxy("");
    c.noop();
}

TEST(Lifetime, ManyCycles) {
    for (int i = 0; i < 1000; ++i) {
        missive::Client c;
        missive::Message m = simple("cycle", "c@example.com");
        missive::MessageCollection coll;
        coll.add(m);
        missive::Message m2 = std::move(m);
        (void)m2.clone();
    }
}

} // namespace
