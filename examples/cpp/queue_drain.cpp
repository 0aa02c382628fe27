// queue_drain: drains the durable queue named by MISSIVE_QUEUE_URL (as queue_enqueue) to the
// server of MISSIVE_SMTP_URL until it is empty or MISSIVE_DRAIN_SECONDS (default 60) pass, and
// prints one last line: delivered N deferred N dead N remaining N. Any number of drainers may
// work one PostgreSQL queue at once (MISSIVE_QUEUE_LEASE_SECONDS sets the lease of a claim); on
// a filesystem queue a second drainer waits for the first.
#include <chrono>
#include <thread>

#include "common.hpp"

int main() {
    if (example::env("MISSIVE_SMTP_URL", "").empty()) {
        std::cerr << "set MISSIVE_SMTP_URL, e.g. smtp+starttls://user:pass@host:587\n";
        return 2;
    }
    return example::run([] {
        using clock = std::chrono::steady_clock;
        std::string url = example::env("MISSIVE_QUEUE_URL", "queue");
        missive::Client client;
        example::configure(client);
        if (url.find("://") != std::string::npos) {
            client.set_queue_url(url);
        } else {
            client.set_queue_directory(url);
        }
        std::string lease = example::env("MISSIVE_QUEUE_LEASE_SECONDS", "");
        if (!lease.empty()) {
            client.set_queue_lease(std::chrono::milliseconds(
                static_cast<long long>(std::stod(lease) * 1000)));
        }
        auto deadline = clock::now() + std::chrono::seconds(example::number("MISSIVE_DRAIN_SECONDS", 60));
        size_t delivered = 0, deferred = 0, dead = 0;
        while (clock::now() < deadline) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
            missive::QueueDrainCounts c{};
            try {
                c = client.drain_queue(0, static_cast<uint64_t>(std::max<long long>(1, left.count())));
            } catch (const missive::QueueDrainError &e) {
                // The server or the database is unreachable: count what was done, wait, go on.
                delivered += e.counts().delivered;
                deferred += e.counts().deferred;
                dead += e.counts().dead_lettered;
                std::cerr << "waiting: " << e.what() << "\n";
                std::this_thread::sleep_for(std::chrono::seconds(1));
                continue;
            } catch (const missive::Error &e) {
                if (e.code() == MISSIVE_RESULT_QUEUE_BUSY) {  // another drainer has the directory
                    std::this_thread::sleep_for(std::chrono::milliseconds(200));
                    continue;
                }
                throw;
            }
            delivered += c.delivered;
            deferred += c.deferred;
            dead += c.dead_lettered;
            if (c.delivered + c.deferred + c.dead_lettered > 0) continue;  // more may be due
            missive::QueueCounts st = client.queue_state();
            if (st.queued + st.in_flight == 0) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        missive::QueueCounts st = client.queue_state();
        std::cout << "delivered " << delivered << " deferred " << deferred << " dead " << dead
                  << " remaining " << (st.queued + st.in_flight) << std::endl;
        return 0;
    });
}
