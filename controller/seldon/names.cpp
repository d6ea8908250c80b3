#include "controller/seldon/names.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstdio>

namespace sim::controller::seldon {

namespace {

constexpr std::size_t kMaxNameLength = 63;  // validation.DNS1123LabelMaxLength

std::string hashed(const std::string& full) {
    if (full.size() <= kMaxNameLength) return full;
    return "seldon-" + md5_hex(full);
}

}  // namespace

std::string md5_hex(const std::string& text) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_md5(), nullptr);
    std::string hex;
    char buf[3];
    for (unsigned int i = 0; i < size; ++i) {
        std::snprintf(buf, sizeof buf, "%02x", digest[i]);
        hex += buf;
    }
    return hex;
}

std::string seldon_id(const std::string& sdep_name) {
    return hashed(sdep_name);
}

std::string component_key(const std::vector<std::string>& container_names) {
    std::string key;
    for (const auto& n : container_names)
        key += (key.empty() ? "" : "-") + n;
    return key;
}

std::string deployment_name(const std::string& sdep_name, const std::string& predictor,
                            std::size_t index, const std::string& component_name,
                            bool name_as_prefix) {
    const std::string full =
        sdep_name + "-" + predictor + "-" + std::to_string(index) + "-" + component_name;
    if (full.size() <= kMaxNameLength) return full;
    const std::string hash = md5_hex(full);
    if (name_as_prefix && sdep_name.size() + 1 + hash.size() <= kMaxNameLength)
        return sdep_name + "-" + hash;
    return "seldon-" + hash;
}

std::string predictor_service_name(const std::string& sdep_name, const std::string& predictor,
                                   const std::string& svc_name_annotation) {
    if (!svc_name_annotation.empty()) return svc_name_annotation;
    return hashed(sdep_name + "-" + predictor);
}

std::string container_service_name(const std::string& sdep_name, const std::string& predictor,
                                   const std::string& container) {
    return hashed(sdep_name + "-" + predictor + "-" + container);
}

std::string svc_orch_deployment_name(const std::string& sdep_name, const std::string& predictor) {
    return hashed(sdep_name + "-" + predictor + "-svc-orch");
}

}  // namespace sim::controller::seldon
