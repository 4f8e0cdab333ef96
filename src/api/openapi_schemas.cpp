#include "api/openapi_schemas.hpp"

#include <boost/json/parse.hpp>

#include "core/error_catalogue.hpp"

namespace astropixel::api {

namespace {

// The JSON bodies the API reads and writes, as JSON Schema 2020-12 (OpenAPI 3.1's dialect), named as
// route docs name them. Each answer schema lists what the serializer in api/ always writes as
// required; `additionalProperties: false` where the serializer is one function in this folder, so a
// field added there without a line here fails tests/integration/test_openapi.py.
constexpr std::string_view kSchemas = R"json({
  "User": {
    "type": "object",
    "additionalProperties": false,
    "required": ["id", "email", "username", "full_name", "avatar_url", "role", "is_admin", "disabled",
                 "created_at"],
    "properties": {
      "id": {"type": "string"},
      "email": {"type": "string", "format": "email"},
      "username": {"type": "string"},
      "full_name": {"type": "string"},
      "avatar_url": {"type": "string"},
      "role": {"enum": ["user", "admin"]},
      "is_admin": {"type": "boolean"},
      "disabled": {"type": "boolean"},
      "created_at": {"type": "string", "format": "date-time"}
    }
  },
  "SignIn": {
    "type": "object",
    "additionalProperties": false,
    "required": ["user", "access_token", "token_type", "expires_in", "refresh_token", "refresh_expires_in",
                 "csrf_token"],
    "properties": {
      "user": {"$ref": "#/components/schemas/User"},
      "access_token": {"type": "string", "description": "An HS256 JWT for Authorization: Bearer"},
      "token_type": {"const": "bearer"},
      "expires_in": {"type": "integer", "description": "Seconds"},
      "refresh_token": {"type": "string"},
      "refresh_expires_in": {"type": "integer", "description": "Seconds"},
      "csrf_token": {"type": "string", "description": "Echo it in X-CSRF-Token on cookie-authenticated writes"}
    }
  },
  "Registration": {
    "type": "object",
    "required": ["email", "username", "password"],
    "properties": {
      "email": {"type": "string"},
      "username": {"type": "string", "pattern": "^[A-Za-z0-9_]{3,64}$"},
      "password": {"type": "string", "minLength": 8},
      "full_name": {"type": "string"}
    }
  },
  "Credentials": {
    "type": "object",
    "required": ["password"],
    "properties": {
      "login": {"type": "string", "description": "Email or username"},
      "username": {"type": "string"},
      "email": {"type": "string"},
      "password": {"type": "string"}
    }
  },
  "RefreshRequest": {
    "type": "object",
    "properties": {
      "refresh_token": {"type": "string", "description": "Absent: the ap_refresh cookie (then CSRF applies)"}
    }
  },
  "ProfileChange": {
    "type": "object",
    "properties": {
      "full_name": {"type": "string"},
      "avatar_url": {"type": "string", "description": "An http(s) URL"},
      "email": {"type": "string", "description": "Needs current_password"},
      "current_password": {"type": "string"},
      "new_password": {"type": "string", "minLength": 8}
    }
  },
  "PasswordChange": {
    "type": "object",
    "required": ["current_password", "new_password"],
    "properties": {
      "current_password": {"type": "string"},
      "new_password": {"type": "string", "minLength": 8}
    }
  },
  "AccountDeletion": {
    "type": "object",
    "required": ["password"],
    "properties": {"password": {"type": "string", "description": "The account's password, as confirmation"}}
  },
  "Verification": {
    "type": "object",
    "additionalProperties": false,
    "required": ["valid", "user"],
    "properties": {"valid": {"const": true}, "user": {"$ref": "#/components/schemas/User"}}
  },
  "Dataset": {
    "type": "object",
    "additionalProperties": false,
    "required": ["id", "name", "description", "category", "visibility", "is_public", "is_demo", "owner_id",
                 "is_owner", "file_name", "file_size", "format", "width", "height", "bands", "bit_depth",
                 "sample_format", "status", "progress", "failure_code", "failure_reason", "pyramid_version",
                 "stretch", "urls", "building", "created_at", "updated_at", "expires_at"],
    "properties": {
      "id": {"type": "string"},
      "name": {"type": "string"},
      "description": {"type": "string"},
      "category": {"type": "string"},
      "visibility": {"enum": ["private", "public"]},
      "is_public": {"type": "boolean"},
      "is_demo": {"type": "boolean"},
      "owner_id": {"type": ["string", "null"]},
      "is_owner": {"type": "boolean"},
      "file_name": {"type": "string"},
      "file_size": {"type": "integer", "minimum": 0},
      "format": {"type": "string"},
      "width": {"type": "integer"},
      "height": {"type": "integer"},
      "bands": {"type": "integer"},
      "bit_depth": {"type": "integer"},
      "sample_format": {"type": "string"},
      "status": {"$ref": "#/components/schemas/DatasetStatusName"},
      "progress": {"type": "integer", "minimum": 0, "maximum": 100},
      "failure_code": {"type": ["string", "null"]},
      "failure_reason": {"type": ["string", "null"]},
      "pyramid_version": {"type": "integer", "minimum": 0},
      "stretch": {"type": ["object", "null"], "description": "The stretch requested at upload or reprocess"},
      "display": {"type": ["object", "null"], "description": "The viewer's default live display, when set"},
      "pyramid": {
        "type": "object",
        "description": "What the build recorded (levels, tile_size, tile_format, wcs, georeference, fits, ...)",
        "properties": {
          "levels": {"type": "integer"},
          "tile_size": {"type": "integer"},
          "tile_format": {"type": "string"},
          "hips": {
            "type": "object",
            "description": "The HiPS of a sky image (ADR 0030), once its build has run: ready, or failed with the reason",
            "required": ["status"],
            "properties": {
              "status": {"enum": ["ready", "failed"]},
              "order": {"type": "integer"},
              "frame": {"enum": ["equatorial", "galactic"]},
              "tiles": {"type": "integer"},
              "code": {"type": "string"},
              "message": {"type": "string"}
            }
          }
        }
      },
      "urls": {
        "oneOf": [
          {"type": "null"},
          {
            "type": "object",
            "additionalProperties": false,
            "required": ["dzi", "iiif", "xyz", "preview"],
            "properties": {
              "dzi": {"type": "string"},
              "iiif": {"type": "string"},
              "xyz": {"type": "string"},
              "preview": {"type": "string"}
            }
          }
        ]
      },
      "building": {"$ref": "#/components/schemas/DatasetBuilding"},
      "created_at": {"type": "string", "format": "date-time"},
      "updated_at": {"type": "string", "format": "date-time"},
      "expires_at": {"type": ["string", "null"], "format": "date-time"}
    }
  },
  "DatasetBuilding": {
    "description": "A build that can be viewed before it publishes (ADR 0034), or null. Tiles of the Deep Zoom descriptor at dzi with a row below tile_rows[level] exist and never change; the others are 404 (no-store) until written. preview, once not null, is the version's preview image over the whole image, written before any tile where the source allows it cheaply (ADR 0036): the same bytes after publishing.",
    "oneOf": [
      {"type": "null"},
      {
        "type": "object",
        "additionalProperties": false,
        "required": ["version", "dzi", "tile_rows", "checkpoint", "preview"],
        "properties": {
          "version": {"type": "integer", "minimum": 1},
          "dzi": {"type": "string"},
          "tile_rows": {"type": "array", "items": {"type": "integer", "minimum": 0}},
          "checkpoint": {"type": "integer", "minimum": 0},
          "preview": {"type": ["string", "null"]}
        }
      }
    ]
  },
  "DatasetStatusName": {"enum": ["pending", "processing", "completed", "failed"]},
  "DatasetPage": {
    "type": "object",
    "additionalProperties": false,
    "required": ["items", "total", "limit", "offset"],
    "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/Dataset"}},
      "total": {"type": "integer", "minimum": 0},
      "limit": {"type": "integer"},
      "offset": {"type": "integer"}
    }
  },
  "DatasetStatus": {
    "type": "object",
    "additionalProperties": false,
    "required": ["id", "status", "progress", "failure_code", "failure_reason", "pyramid_version", "building"],
    "properties": {
      "id": {"type": "string"},
      "status": {"$ref": "#/components/schemas/DatasetStatusName"},
      "progress": {"type": "integer", "minimum": 0, "maximum": 100},
      "failure_code": {"type": ["string", "null"]},
      "failure_reason": {"type": ["string", "null"]},
      "pyramid_version": {"type": "integer", "minimum": 0},
      "building": {"$ref": "#/components/schemas/DatasetBuilding"}
    }
  },
  "DatasetChange": {
    "type": "object",
    "properties": {
      "name": {"type": "string"},
      "description": {"type": "string"},
      "category": {"enum": ["earth", "mars", "space", "other"]},
      "visibility": {"enum": ["private", "public"]},
      "is_public": {"type": "boolean"},
      "display": {"type": ["object", "null"], "description": "{stretch, lo, hi, cmap}, or null to forget it"}
    }
  },
  "CompositeRequest": {
    "type": "object",
    "additionalProperties": false,
    "required": ["name", "channels"],
    "properties": {
      "name": {"type": "string"},
      "description": {"type": "string"},
      "channels": {
        "type": "array", "minItems": 3, "maxItems": 3, "description": "red, green, blue",
        "items": {
          "type": "object",
          "additionalProperties": false,
          "required": ["dataset_id", "lo", "hi"],
          "properties": {
            "dataset_id": {"type": "string"},
            "stretch": {"$ref": "#/components/schemas/StretchName"},
            "lo": {"type": "number", "description": "low cut, in data values"},
            "hi": {"type": "number", "description": "high cut, above lo"},
            "weight": {"type": "number", "exclusiveMinimum": 0, "maximum": 10, "default": 1}
          }
        }
      },
      "confirm_alignment": {"type": "boolean", "default": false,
                            "description": "the images are pixel-aligned (needed when a channel has no WCS)"}
    }
  },
  "Reprocess": {
    "type": "object",
    "properties": {
      "stretch": {"$ref": "#/components/schemas/StretchName"},
      "cuts": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2,
               "description": "[low, high] in data values"},
      "hdu": {"type": "integer", "minimum": 0, "maximum": 99999},
      "plane": {"type": "integer", "minimum": 0, "maximum": 1000000000}
    }
  },
  "LinkRequest": {
    "type": "object",
    "properties": {
      "days": {"type": "integer", "minimum": 1, "maximum": 365, "default": 30}
    }
  },
  "ViewerLink": {
    "type": "object",
    "additionalProperties": false,
    "required": ["expires_at", "iiif_manifest", "iiif_image", "hips"],
    "properties": {
      "expires_at": {"type": "string", "format": "date-time"},
      "iiif_manifest": {"type": "string", "description": "for Mirador and other IIIF viewers"},
      "iiif_image": {"type": "string", "description": "the IIIF image service's info.json"},
      "hips": {"type": "string", "description": "the HiPS base URL, for Aladin (when the dataset has a HiPS)"}
    }
  },
  "StretchName": {"enum": ["linear", "zscale", "log", "sqrt", "asinh", "squared", "sinh", "histeq"]},
  "Counts": {"type": "object", "additionalProperties": {"type": "integer"}},
  "DatasetStats": {
    "type": "object",
    "additionalProperties": false,
    "required": ["datasets", "total_bytes", "total_pixels", "by_category", "by_status", "by_format"],
    "properties": {
      "datasets": {"type": "integer"},
      "total_bytes": {"type": "integer"},
      "total_pixels": {"type": "integer"},
      "by_category": {"$ref": "#/components/schemas/Counts"},
      "by_status": {"$ref": "#/components/schemas/Counts"},
      "by_format": {"$ref": "#/components/schemas/Counts"}
    }
  },
  "FitsHeader": {
    "type": "object",
    "properties": {
      "hdu": {"type": "integer"},
      "primary_header": {"type": "string", "description": "80-column cards, one per line"},
      "image_header": {"type": "string"}
    }
  },
  "PixelValue": {
    "description": "One number (mono), an array of one number per band (colour), or null (blank, outside)",
    "oneOf": [{"type": ["number", "null"]},
              {"type": "array", "minItems": 2, "maxItems": 4, "items": {"type": ["number", "null"]}}]
  },
  "Pixels": {
    "type": "object",
    "required": ["x", "y", "size", "width", "height", "version", "dtype", "bunit", "value", "values"],
    "properties": {
      "x": {"type": "integer"},
      "y": {"type": "integer"},
      "size": {"type": "integer"},
      "width": {"type": "integer"},
      "height": {"type": "integer"},
      "version": {"type": "integer"},
      "dtype": {"type": "string", "description": "float32 from a data pyramid, else the source's samples (uchar, ushort, ...)"},
      "bunit": {"type": ["string", "null"]},
      "value": {"$ref": "#/components/schemas/PixelValue"},
      "values": {"type": "array", "items": {"type": "array", "items": {"$ref": "#/components/schemas/PixelValue"}}},
      "bands": {"type": "array", "items": {"enum": ["grey", "alpha", "R", "G", "B", "A"]},
                "description": "Colour images: the bands each value lists"},
      "fits_pixel": {"type": "object", "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}}}
    }
  },
  "RegionStatistics": {
    "type": "object",
    "required": ["region", "box", "pixels", "blank", "sum", "mean", "median", "std", "min", "max", "bunit",
                 "width", "height", "version"],
    "properties": {
      "region": {"type": "object", "required": ["shape"],
                 "properties": {"shape": {"enum": ["rectangle", "circle", "polygon"]}}},
      "box": {"type": "object", "required": ["x", "y", "width", "height"],
              "properties": {"x": {"type": "integer"}, "y": {"type": "integer"},
                             "width": {"type": "integer"}, "height": {"type": "integer"}}},
      "pixels": {"type": "integer", "minimum": 0},
      "blank": {"type": "integer", "minimum": 0},
      "sum": {"type": ["number", "null"]},
      "mean": {"type": ["number", "null"]},
      "median": {"type": ["number", "null"]},
      "std": {"type": ["number", "null"]},
      "min": {"type": ["number", "null"]},
      "max": {"type": ["number", "null"]},
      "bunit": {"type": ["string", "null"]},
      "width": {"type": "integer"},
      "height": {"type": "integer"},
      "version": {"type": "integer"}
    }
  },
  "LineProfile": {
    "type": "object",
    "required": ["x1", "y1", "x2", "y2", "length", "samples", "points", "bunit", "version"],
    "properties": {
      "x1": {"type": "number"}, "y1": {"type": "number"}, "x2": {"type": "number"}, "y2": {"type": "number"},
      "length": {"type": "number"},
      "samples": {"type": "integer"},
      "points": {"type": "array", "items": {
        "type": "object", "required": ["distance", "x", "y", "value"],
        "properties": {"distance": {"type": "number"}, "x": {"type": "integer"}, "y": {"type": "integer"},
                       "value": {"type": ["number", "null"]}}}},
      "bunit": {"type": ["string", "null"]},
      "version": {"type": "integer"}
    }
  },
  "IiifInfo": {
    "type": "object",
    "required": ["id", "type", "protocol", "profile", "width", "height"],
    "properties": {
      "id": {"type": "string"},
      "type": {"const": "ImageService3"},
      "protocol": {"const": "http://iiif.io/api/image"},
      "profile": {"type": "string"},
      "width": {"type": "integer"},
      "height": {"type": "integer"}
    }
  },
  "Upload": {
    "type": "object",
    "additionalProperties": false,
    "required": ["id", "offset", "length", "state", "dataset_id", "expires_at"],
    "properties": {
      "id": {"type": "string"},
      "offset": {"type": "integer", "minimum": 0},
      "length": {"type": "integer", "minimum": 0},
      "state": {"enum": ["open", "finished", "expired"]},
      "dataset_id": {"type": ["string", "null"]},
      "expires_at": {"type": "integer", "description": "Unix time in milliseconds"}
    }
  },
  "UploadForm": {
    "type": "object",
    "required": ["file"],
    "properties": {
      "file": {"type": "string", "contentMediaType": "application/octet-stream"},
      "name": {"type": "string"},
      "description": {"type": "string"},
      "category": {"enum": ["earth", "mars", "space", "other"]},
      "visibility": {"enum": ["private", "public"]},
      "stretch": {"$ref": "#/components/schemas/StretchName"},
      "filename": {"type": "string"},
      "hdu": {"type": "string", "pattern": "^[0-9]+$"},
      "plane": {"type": "string", "pattern": "^[0-9]+$"}
    }
  },
  "StorageUsage": {
    "type": "object",
    "additionalProperties": false,
    "required": ["used_bytes", "quota_bytes", "custom"],
    "properties": {
      "used_bytes": {"type": "integer", "minimum": 0},
      "quota_bytes": {"type": "integer", "minimum": 0, "description": "0: unlimited"},
      "custom": {"type": "boolean"}
    }
  },
  "QuotaChange": {
    "type": "object",
    "required": ["quota_bytes"],
    "properties": {"quota_bytes": {"type": ["integer", "null"], "minimum": 0}}
  },
  "Annotation": {
    "type": "object",
    "additionalProperties": false,
    "required": ["id", "dataset_id", "author_id", "kind", "label", "color", "geometry", "created_at",
                 "updated_at"],
    "properties": {
      "id": {"type": "string"},
      "dataset_id": {"type": "string"},
      "author_id": {"type": ["string", "null"]},
      "kind": {"$ref": "#/components/schemas/AnnotationKind"},
      "label": {"type": "string"},
      "color": {"type": "string"},
      "geometry": {"$ref": "#/components/schemas/Geometry"},
      "created_at": {"type": "string", "format": "date-time"},
      "updated_at": {"type": "string", "format": "date-time"}
    }
  },
  "AnnotationKind": {"enum": ["point", "rectangle", "circle", "polygon"]},
  "Geometry": {
    "description": "Image pixels, origin top-left, y down: point {x, y}, rectangle {x, y, width, height}, circle {x, y, radius}, polygon {points}",
    "anyOf": [
      {"type": "object", "required": ["x", "y"],
       "properties": {"x": {"type": "number"}, "y": {"type": "number"}, "width": {"type": "number"},
                      "height": {"type": "number"}, "radius": {"type": "number"}}},
      {"type": "object", "required": ["points"],
       "properties": {"points": {"type": "array", "minItems": 3, "maxItems": 1000,
                                 "items": {"type": "array", "items": {"type": "number"},
                                           "minItems": 2, "maxItems": 2}}}}
    ]
  },
  "NewAnnotation": {
    "type": "object",
    "required": ["kind", "label", "geometry"],
    "properties": {
      "kind": {"$ref": "#/components/schemas/AnnotationKind"},
      "label": {"type": "string"},
      "color": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
      "geometry": {"$ref": "#/components/schemas/Geometry"}
    }
  },
  "AnnotationChange": {
    "type": "object",
    "properties": {
      "label": {"type": "string"},
      "color": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
      "geometry": {"$ref": "#/components/schemas/Geometry"}
    }
  },
  "AnnotationPage": {
    "type": "object",
    "additionalProperties": false,
    "required": ["items", "total", "limit", "offset"],
    "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/Annotation"}},
      "total": {"type": "integer", "minimum": 0},
      "limit": {"type": "integer"},
      "offset": {"type": "integer"}
    }
  },
  "AnnotationExport": {
    "type": "object",
    "additionalProperties": false,
    "required": ["dataset_id", "coordinates", "annotations"],
    "properties": {
      "dataset_id": {"type": "string"},
      "coordinates": {"type": "string"},
      "annotations": {"type": "array", "items": {"$ref": "#/components/schemas/Annotation"}}
    }
  },
  "ImportResult": {
    "type": "object",
    "additionalProperties": false,
    "required": ["created", "skipped", "notes"],
    "properties": {
      "created": {"type": "integer", "minimum": 0},
      "skipped": {"type": "array", "items": {"type": "object", "required": ["line", "text", "reason"],
                  "properties": {"line": {"type": "integer"}, "text": {"type": "string"},
                                 "reason": {"type": "string"}}}},
      "notes": {"type": "array", "items": {"type": "object", "required": ["line", "text", "note"],
                "properties": {"line": {"type": "integer"}, "text": {"type": "string"},
                               "note": {"type": "string"}}}}
    }
  },
  "UserPage": {
    "type": "object",
    "additionalProperties": false,
    "required": ["items", "total", "limit", "offset"],
    "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/User"}},
      "total": {"type": "integer", "minimum": 0},
      "limit": {"type": "integer"},
      "offset": {"type": "integer"}
    }
  },
  "AdminUser": {
    "type": "object",
    "additionalProperties": false,
    "required": ["id", "email", "username", "full_name", "role", "is_admin", "disabled", "created_at",
                 "dataset_count", "storage_bytes"],
    "properties": {
      "id": {"type": "string"},
      "email": {"type": "string", "format": "email"},
      "username": {"type": "string"},
      "full_name": {"type": "string"},
      "role": {"enum": ["user", "admin"]},
      "is_admin": {"type": "boolean"},
      "disabled": {"type": "boolean"},
      "created_at": {"type": "string", "format": "date-time"},
      "dataset_count": {"type": "integer", "minimum": 0},
      "storage_bytes": {"type": "integer", "minimum": 0,
                        "description": "Their datasets' sources plus published pyramids"}
    }
  },
  "AdminUserPage": {
    "type": "object",
    "additionalProperties": false,
    "required": ["items", "total", "limit", "offset"],
    "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/AdminUser"}},
      "total": {"type": "integer", "minimum": 0},
      "limit": {"type": "integer"},
      "offset": {"type": "integer"}
    }
  },
  "AdminDataset": {
    "type": "object",
    "additionalProperties": false,
    "required": ["id", "name", "owner_id", "owner_username", "is_demo", "visibility", "status", "progress",
                 "failure_code", "failure_reason", "format", "width", "height", "source_bytes", "pyramid_bytes",
                 "storage_bytes", "created_at", "updated_at"],
    "properties": {
      "id": {"type": "string"},
      "name": {"type": "string"},
      "owner_id": {"type": ["string", "null"]},
      "owner_username": {"type": ["string", "null"]},
      "is_demo": {"type": "boolean"},
      "visibility": {"enum": ["private", "public"]},
      "status": {"$ref": "#/components/schemas/DatasetStatusName"},
      "progress": {"type": "integer", "minimum": 0, "maximum": 100},
      "failure_code": {"type": ["string", "null"]},
      "failure_reason": {"type": ["string", "null"]},
      "format": {"type": "string"},
      "width": {"type": "integer"},
      "height": {"type": "integer"},
      "source_bytes": {"type": "integer", "minimum": 0},
      "pyramid_bytes": {"type": "integer", "minimum": 0, "description": "The published pyramid's pack"},
      "storage_bytes": {"type": "integer", "minimum": 0},
      "created_at": {"type": "string", "format": "date-time"},
      "updated_at": {"type": "string", "format": "date-time"}
    }
  },
  "AdminDatasetPage": {
    "type": "object",
    "additionalProperties": false,
    "required": ["items", "total", "limit", "offset"],
    "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/AdminDataset"}},
      "total": {"type": "integer", "minimum": 0},
      "limit": {"type": "integer"},
      "offset": {"type": "integer"}
    }
  },
  "AdminJob": {
    "type": "object",
    "additionalProperties": false,
    "required": ["id", "kind", "subject", "state", "attempts", "max_attempts", "last_error", "cancel_requested",
                 "worker", "dataset_id", "dataset_name", "owner_username", "created_at", "updated_at",
                 "finished_at"],
    "properties": {
      "id": {"type": "string"},
      "kind": {"type": "string"},
      "subject": {"type": "string"},
      "state": {"enum": ["queued", "running", "succeeded", "failed", "cancelled"]},
      "attempts": {"type": "integer", "minimum": 0},
      "max_attempts": {"type": "integer"},
      "last_error": {"type": ["string", "null"], "description": "Why its last run failed"},
      "cancel_requested": {"type": "boolean"},
      "worker": {"type": ["string", "null"], "description": "The process that claimed it last"},
      "dataset_id": {"type": ["string", "null"]},
      "dataset_name": {"type": ["string", "null"]},
      "owner_username": {"type": ["string", "null"]},
      "created_at": {"type": "string", "format": "date-time"},
      "updated_at": {"type": "string", "format": "date-time"},
      "finished_at": {"type": ["string", "null"], "format": "date-time"}
    }
  },
  "AdminJobPage": {
    "type": "object",
    "additionalProperties": false,
    "required": ["items", "total", "limit", "offset"],
    "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/AdminJob"}},
      "total": {"type": "integer", "minimum": 0},
      "limit": {"type": "integer"},
      "offset": {"type": "integer"}
    }
  },
  "UserChange": {
    "type": "object",
    "properties": {"role": {"enum": ["user", "admin"]}, "disabled": {"type": "boolean"}}
  },
  "AdminStats": {
    "type": "object",
    "additionalProperties": false,
    "required": ["users", "datasets", "storage_bytes", "total_pixels", "average_bytes", "by_status",
                 "by_category", "by_format", "jobs"],
    "properties": {
      "users": {"type": "integer"},
      "datasets": {"type": "integer"},
      "storage_bytes": {"type": "integer"},
      "total_pixels": {"type": "integer"},
      "average_bytes": {"type": "integer"},
      "by_status": {"$ref": "#/components/schemas/Counts"},
      "by_category": {"$ref": "#/components/schemas/Counts"},
      "by_format": {"$ref": "#/components/schemas/Counts"},
      "jobs": {
        "type": "object",
        "required": ["queued", "running", "succeeded", "failed", "cancelled"],
        "properties": {
          "queued": {"type": "integer"},
          "running": {"type": "integer"},
          "succeeded": {"type": "integer"},
          "failed": {"type": "integer"},
          "cancelled": {"type": "integer"}
        }
      }
    }
  },
  "Activity": {
    "type": "object",
    "additionalProperties": false,
    "required": ["items"],
    "properties": {
      "items": {
        "type": "array",
        "items": {
          "type": "object",
          "additionalProperties": false,
          "required": ["kind", "id", "name", "actor", "at"],
          "properties": {
            "kind": {"enum": ["dataset", "user"]},
            "id": {"type": "string"},
            "name": {"type": "string"},
            "actor": {"type": "string"},
            "at": {"type": "integer", "description": "Unix time in milliseconds"}
          }
        }
      }
    }
  },
  "Health": {
    "type": "object",
    "additionalProperties": false,
    "required": ["status", "version", "uptime_s", "database", "storage"],
    "properties": {
      "status": {"enum": ["ok", "unavailable"]},
      "version": {"type": "string"},
      "uptime_s": {"type": "integer"},
      "database": {
        "type": "object",
        "required": ["backend", "ok"],
        "properties": {
          "backend": {"enum": ["sqlite", "postgresql"]},
          "ok": {"type": "boolean"},
          "latency_ms": {"type": "number"},
          "schema_version": {"type": "integer"},
          "error": {"type": "string"}
        }
      },
      "storage": {
        "type": "object",
        "required": ["ok"],
        "properties": {"ok": {"type": "boolean"}, "free_bytes": {"type": "integer"}, "error": {"type": "string"}}
      }
    }
  },
  "OpenApiDocument": {
    "type": "object",
    "required": ["openapi", "info", "paths"],
    "properties": {"openapi": {"const": "3.1.0"}, "info": {"type": "object"}, "paths": {"type": "object"}}
  }
})json";

}  // namespace

boost::json::object openapi_schemas() {
  auto schemas = boost::json::parse(kSchemas).as_object();
  // The error contract (http/error_table.cpp): its codes are the catalogue's, listed from it.
  boost::json::array codes;
  for (auto const* spec : error_catalogue()) codes.emplace_back(spec->code);
  schemas["Error"] = boost::json::object{
      {"type", "object"},
      {"description", "Every error answer: a stable machine code, a sentence, and the request's id"},
      {"additionalProperties", false},
      {"required", boost::json::array{"message", "detail", "code", "request_id"}},
      {"properties",
       boost::json::object{
           {"message", {{"type", "string"}}},
           {"detail", {{"type", "string"}}},
           {"code", {{"type", "string"}, {"enum", std::move(codes)}}},
           {"request_id", {{"type", "string"}}},
           {"field", {{"type", "string"}, {"description", "The request field at fault, when one is"}}},
       }}};
  return schemas;
}

}  // namespace astropixel::api
