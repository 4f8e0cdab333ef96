#pragma once
// /api/datasets/{id}/annotations: list, create, update, delete, export (JSON, CSV, DS9 regions in
// image or sky coordinates, CSV catalogues) and import (DS9 region files, CSV catalogues).
#include <boost/json/object.hpp>

#include "annotations/annotation_service.hpp"
#include "api/authn.hpp"
#include "http/router.hpp"

namespace astropixel::api {

void add_annotation_routes(http::Router& router, Authenticator& authn,
                           annotations::AnnotationService& service);

// Request bodies, parsed (errors: validation naming the field). POST: kind, label, geometry
// (required), color; PATCH/PUT: label, color, geometry, each optional.
Result<annotations::NewAnnotation> new_annotation(boost::json::object const& body);
Result<annotations::Patch> annotation_patch(boost::json::object const& body);

}  // namespace astropixel::api
