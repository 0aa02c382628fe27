// send_multi_connection: a collection over MISSIVE_CONNECTIONS connections (default 4) at
// once, in the background, with a progress callback (on library threads); waits with a time
// limit. MISSIVE_COUNT sets the number of messages (default 100).
#include <atomic>

#include "common.hpp"

int main() {
    return example::run([] {
        int connections = example::number("MISSIVE_CONNECTIONS", 4);
        int count = example::number("MISSIVE_COUNT", 100);
        missive::Client client;
        example::configure(client);
        client.set_multi_connection(true);
        client.set_connections(static_cast<size_t>(connections));
        client.set_retry_policy(3);
        client.set_progress_callback([](const missive::Progress &p) {
            std::cout << "progress: " << p.done << "/" << p.total << "\n";
            return true; // false cancels
        });
        missive::MessageCollection batch;
        missive::Message m;
        m.set_from(example::from());
        m.add_to(example::to());
        m.set_body("One of many.\n");
        for (int i = 1; i <= count; ++i) {
            m.set_subject("Message " + std::to_string(i) + " of " + std::to_string(count));
            batch.add(m); // a copy
        }
        std::atomic<int> done{-1};
        missive::Operation op =
            client.send_collection_async(batch, [&](missive_result r) { done = r; });
        if (op.wait(5 * 60 * 1000) == MISSIVE_RESULT_PENDING) {
            op.cancel();
            op.wait();
        }
        std::optional<missive::BulkResult> res = op.result();
        if (!res) throw missive::Error(op.result_code(), op.error());
        std::cout << res->count(missive::BulkStatus::Sent) << " sent on " << connections
                  << " connections\n";
        return res->code() == MISSIVE_RESULT_OK ? 0 : 1;
    });
}
