#pragma once
// /api/datasets/{id}/annotations: list, create, update, delete, export (JSON, CSV, DS9 regions).
#include "annotations/annotation_service.hpp"
#include "api/authn.hpp"
#include "http/router.hpp"

namespace astropixel::api {

void add_annotation_routes(http::Router& router, Authenticator& authn,
                           annotations::AnnotationService& service);

}  // namespace astropixel::api
