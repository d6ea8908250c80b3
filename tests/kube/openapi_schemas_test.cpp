// The OpenAPI v3 component schemas `kubectl explain` reads (openapi_schemas.hpp).
#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "sim/kube/http_router.hpp"
#include "sim/kube/openapi_schemas.hpp"

using namespace sim::kube;

namespace {

// Every "$ref" in `schema` names a schema of `schemas`.
void check_refs_resolve(const Json& schema, const Json& schemas) {
    if (schema.is_object()) {
        if (schema.contains("$ref")) {
            const std::string ref = schema["$ref"];
            INFO(ref);
            CHECK(schemas.contains(ref.substr(ref.rfind('/') + 1)));
        }
        for (const auto& [key, value] : schema.items())
            check_refs_resolve(value, schemas);
    } else if (schema.is_array()) {
        for (const auto& value : schema)
            check_refs_resolve(value, schemas);
    }
}

}  // namespace

TEST_CASE("openapi: every served kind has a schema named by its GVK, refs resolve") {
    const Registry registry = Registry::standard();
    for (const ResourceInfo& r : registry.all())
        for (const std::string& version : r.versions) {
            const Json schemas = openapi_component_schemas(registry, r.group, version);
            check_refs_resolve(schemas, schemas);
            bool found = false;
            for (const auto& [name, schema] : schemas.items())
                for (const Json& gvk :
                     schema.value("x-kubernetes-group-version-kind", Json::array()))
                    if (gvk == Json{{"group", r.group}, {"kind", r.kind}, {"version", version}})
                        found = true;
            INFO(r.kind << " " << version);
            CHECK(found);
        }
}

TEST_CASE("openapi: pods.spec and seldondeployment.spec.predictors have described fields") {
    const Registry registry = Registry::standard();
    const Json core = openapi_component_schemas(registry, "", "v1");
    const Json& pod = core["io.k8s.api.core.v1.Pod"];
    CHECK(pod["properties"]["spec"]["allOf"][0]["$ref"] ==
          "#/components/schemas/io.k8s.api.core.v1.PodSpec");
    const Json& pod_spec = core["io.k8s.api.core.v1.PodSpec"];
    CHECK(pod_spec["required"] == Json::array({"containers"}));
    CHECK_FALSE(pod_spec["properties"]["containers"]["description"].get<std::string>().empty());
    CHECK(core.contains("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"));

    const Json seldon = openapi_component_schemas(registry, "machinelearning.seldon.io", "v1");
    const Json& sdep = seldon["io.seldon.machinelearning.v1.SeldonDeployment"];
    const Json& predictors = sdep["properties"]["spec"]["properties"]["predictors"];
    CHECK(predictors["type"] == "array");
    CHECK(predictors["items"]["required"] == Json::array({"graph", "name"}));
    CHECK(sdep["properties"]["spec"]["required"] == Json::array({"predictors"}));
}

TEST_CASE("openapi: the group-version document carries the schemas") {
    kube_test::Cluster c;
    HttpRouter router(c.server);
    HttpRequest req;
    req.method = "GET";
    req.path = "/openapi/v3/apis/apps/v1";
    const Json doc = Json::parse(router.handle(req).body);
    CHECK(doc["components"]["schemas"].contains("io.k8s.api.apps.v1.Deployment"));
    CHECK(doc["components"]["schemas"].contains("io.k8s.api.core.v1.PodSpec"));
    // The strategic-merge media type stays out (k8s-semantics.md §2.3).
    const Json& patch =
        doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
    CHECK_FALSE(patch["requestBody"]["content"].contains("application/strategic-merge-patch+json"));
}
