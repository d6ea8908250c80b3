// Incremental SHA-256 (OpenSSL's EVP underneath; its headers stay in the .cpp).
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace sim::kernel {

class Sha256 {
  public:
    Sha256();
    ~Sha256();
    Sha256(Sha256&&) noexcept;
    Sha256& operator=(Sha256&&) noexcept;

    void update(std::string_view bytes);
    // Lowercase hex digest of everything so far; the running hash is not disturbed.
    std::string hex() const;

    static std::string of(std::string_view bytes);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace sim::kernel
