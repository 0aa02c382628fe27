// send_dkim: a DKIM-signed message with one-click unsubscribe (RFC 8058), as mailbox providers
// expect from bulk senders. MISSIVE_DKIM_KEY names the PEM private key file,
// MISSIVE_DKIM_DOMAIN and MISSIVE_DKIM_SELECTOR the d= and s= of the signature
// (MISSIVE_DKIM_ALGORITHM: rsa-sha256, the default, or ed25519-sha256). Delivery as in
// send_message (MISSIVE_SMTP_URL, else the pickup directory ./outbox).
#include "common.hpp"

int main() {
    std::string key = example::env("MISSIVE_DKIM_KEY", "");
    std::string domain = example::env("MISSIVE_DKIM_DOMAIN", "");
    std::string selector = example::env("MISSIVE_DKIM_SELECTOR", "");
    std::string algorithm = example::env("MISSIVE_DKIM_ALGORITHM", "rsa-sha256");
    if (key.empty() || domain.empty() || selector.empty()) {
        std::cerr << "set MISSIVE_DKIM_KEY (a PEM private key file), MISSIVE_DKIM_DOMAIN and "
                     "MISSIVE_DKIM_SELECTOR\n";
        return 2;
    }
    missive::DkimAlgorithm alg;
    if (algorithm == "rsa-sha256") {
        alg = missive::DkimAlgorithm::RsaSha256;
    } else if (algorithm == "ed25519-sha256") {
        alg = missive::DkimAlgorithm::Ed25519Sha256;
    } else {
        std::cerr << "MISSIVE_DKIM_ALGORITHM is rsa-sha256 or ed25519-sha256, not " << algorithm
                  << "\n";
        return 2;
    }
    return example::run([&] {
        missive::Message m;
        m.set_from(example::env("MISSIVE_FROM", "Newsletter <news@example.com>"));
        m.add_to(example::to());
        m.set_subject("A signed newsletter");
        m.set_body("Hello,\n\nThis message is DKIM-signed.\n");
        m.set_list_unsubscribe("https://example.com/unsubscribe?u=1", "unsubscribe@example.com",
                               true);
        missive::Client client;
        client.add_dkim_signer_file(domain, selector, key, alg);
        example::configure(client);
        missive::SendResult r = client.send(m);
        std::cout << "signed (d=" << domain << ", s=" << selector << ")\n";
        example::report(r);
        return 0;
    });
}
