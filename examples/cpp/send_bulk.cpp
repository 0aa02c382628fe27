// send_bulk: a collection of MISSIVE_COUNT messages (default 10) sent in one call, with one
// outcome per message. A message that fails does not stop the others, and is reported, not
// thrown.
#include "common.hpp"

int main() {
    return example::run([] {
        int count = example::number("MISSIVE_COUNT", 10);
        missive::MessageCollection batch;
        for (int i = 1; i <= count; ++i) {
            missive::Message m;
            m.set_from(example::from());
            m.add_to(example::to());
            m.set_subject("Bulk message " + std::to_string(i) + " of " + std::to_string(count));
            m.set_body("This is message " + std::to_string(i) + ".\n");
            batch.add(m); // a copy
        }
        missive::Client client;
        example::configure(client);
        missive::BulkResult res = client.send_collection(batch);
        for (size_t i = 0; i < res.size(); ++i) {
            auto [status, code] = res.item(i);
            std::cout << "message " << i + 1 << ": " << missive::result_str(code);
            if (status == missive::BulkStatus::Sent) {
                std::cout << " " << res.result(i).reply_text();
            } else {
                std::cout << ": " << res.message_error(i);
            }
            std::cout << "\n";
        }
        std::cout << res.count(missive::BulkStatus::Sent) << " sent, "
                  << res.count(missive::BulkStatus::Failed) << " failed\n";
        return res.code() == MISSIVE_RESULT_OK ? 0 : 1;
    });
}
