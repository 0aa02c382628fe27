// Shared by the C++ examples: where they send, from the environment.
//
//   MISSIVE_SMTP_URL  e.g. smtp+starttls://me%40example.com:app-password@smtp.example.com:587
//                     (without it, messages go into the pickup directory ./outbox, or
//                     $MISSIVE_PICKUP_DIR, as .eml files)
//   MISSIVE_FROM, MISSIVE_TO  the sender and the recipient(s) (a comma-separated list)
//   MISSIVE_PROXY_URL the proxy to reach the SMTP server through (SOCKS5, SOCKS4a, HTTP CONNECT)
#ifndef MISSIVE_EXAMPLES_COMMON_HPP
#define MISSIVE_EXAMPLES_COMMON_HPP

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "missive.hpp"

namespace example {

inline std::string env(const char *name, const char *fallback) {
    const char *v = std::getenv(name);
    return v != nullptr && v[0] != '\0' ? v : fallback;
}

inline std::string from() { return env("MISSIVE_FROM", "Sender Name <sender@example.com>"); }
inline std::string to() { return env("MISSIVE_TO", "receiver@example.com"); }
inline int number(const char *name, int fallback) {
    return std::atoi(env(name, std::to_string(fallback).c_str()).c_str());
}

// The addresses of a comma-separated list, trimmed.
inline std::vector<std::string> split(const std::string &list) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= list.size()) {
        size_t end = list.find(',', start);
        if (end == std::string::npos) end = list.size();
        std::string item = list.substr(start, end - start);
        size_t b = item.find_first_not_of(" \t");
        size_t e = item.find_last_not_of(" \t");
        if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
        start = end + 1;
    }
    return out;
}

// SMTP from MISSIVE_SMTP_URL, else a pickup directory.
inline void configure(missive::Client &client) {
    std::string url = env("MISSIVE_SMTP_URL", "");
    if (!url.empty()) {
        client.set_url(url);
        client.set_timeouts(10000, 60000);
        // MISSIVE_PROXY_URL: socks5://user:pass@host:1080, socks4a://host:1080 or
        // http://user:pass@host:3128 reaches the SMTP server through that proxy.
        std::string proxy = env("MISSIVE_PROXY_URL", "");
        if (!proxy.empty()) client.set_proxy(proxy);
    } else {
        client.set_delivery_method(missive::DeliveryMethod::PickupDirectory);
        client.set_pickup_directory(env("MISSIVE_PICKUP_DIR", "outbox"));
    }
}

// Prints where a message went.
inline void report(const missive::SendResult &r) {
    if (auto path = r.pickup_path()) {
        std::cout << "delivered into the pickup directory: " << *path << "\n";
    } else {
        std::cout << "sent over SMTP: " << r.reply_code() << " " << r.reply_text() << "\n";
    }
}

// Runs `body`, printing a missive::Error (code, text, refused recipients) as the examples'
// one way of failing.
template <typename F>
int run(F &&body) {
    try {
        return body();
    } catch (const missive::SendError &e) {
        if (const missive::SendResult *r = e.result()) {
            for (const auto &rr : r->rejected()) std::cerr << "refused: " << rr.reply << "\n";
        }
        std::cerr << e.what() << "\n";
    } catch (const std::exception &e) {
        std::cerr << e.what() << "\n";
    }
    return 1;
}

} // namespace example

#endif
