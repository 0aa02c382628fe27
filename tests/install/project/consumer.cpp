// The C++ wrapper from an installed missive.
#include <missive.hpp>

#include <cstdio>

int main() {
    missive::Message m;
    m.set_from("a@example.com");
    m.add_to("b@example.com");
    m.set_subject("installed C++");
    std::string eml = m.save_buffer();
    if (eml.find("Subject: installed C++") == std::string::npos) return 1;
    try {
        m.set_from("not an address");
        return 1;
    } catch (const missive::Error &e) {
        std::printf("ok: %s\n", e.what());
    }
    return 0;
}
