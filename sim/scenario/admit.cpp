#include "sim/scenario/admit.hpp"

#include "sim/scenario/observe.hpp"

namespace sim::scenario {

std::vector<AdmissionVerdict> admit_objects(kube::Client& client,
                                            const std::vector<ManifestObject>& objects) {
    std::vector<AdmissionVerdict> out;
    for (const ManifestObject& m : objects) {
        const kube::ResourceInfo* info = find_kind(m.kind);
        const std::string ns =
            info && info->namespaced ? (m.namespace_.empty() ? "default" : m.namespace_) : "";
        AdmissionVerdict verdict;
        verdict.object = m.kind + "/" + (ns.empty() ? "" : ns + "/") + m.name;
        sim::Json object = m.object;
        if (!ns.empty()) {
            object["metadata"]["namespace"] = ns;
            if (!client.get(kube::refs::kNamespaces, ns).ok()) {
                client.create(sim::Json{
                    {"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
            }
        }
        if (m.kind == "Namespace" && client.get(kube::refs::kNamespaces, m.name).ok()) {
            verdict.accepted = true;
            out.push_back(std::move(verdict));
            continue;
        }
        auto created = client.create(object);
        if (created) {
            verdict.accepted = true;
            verdict.created = std::move(created).value();
        } else {
            verdict.reason = created.error().reason();
            verdict.message = created.error().message();
        }
        out.push_back(std::move(verdict));
    }
    return out;
}

}  // namespace sim::scenario
