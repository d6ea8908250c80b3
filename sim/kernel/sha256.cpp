#include "sim/kernel/sha256.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace sim::kernel {

struct Sha256::Impl {
    struct Free {
        void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
    };
    std::unique_ptr<EVP_MD_CTX, Free> ctx{EVP_MD_CTX_new()};
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
    if (!impl_->ctx || EVP_DigestInit_ex(impl_->ctx.get(), EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("sha256: OpenSSL digest init failed");
    }
}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(std::string_view bytes) {
    if (EVP_DigestUpdate(impl_->ctx.get(), bytes.data(), bytes.size()) != 1) {
        throw std::runtime_error("sha256: OpenSSL digest update failed");
    }
}

std::string Sha256::hex() const {
    // Finalise a copy so the running hash can keep growing.
    Impl copy;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_MD_CTX_copy_ex(copy.ctx.get(), impl_->ctx.get()) != 1 ||
        EVP_DigestFinal_ex(copy.ctx.get(), digest, &length) != 1) {
        throw std::runtime_error("sha256: OpenSSL digest final failed");
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) {
        out.push_back(kHex[digest[i] >> 4]);
        out.push_back(kHex[digest[i] & 15]);
    }
    return out;
}

std::string Sha256::of(std::string_view bytes) {
    Sha256 h;
    h.update(bytes);
    return h.hex();
}

}  // namespace sim::kernel
