"""Glance (image API v2): the catalogue's images, read only."""
from . import catalogue
from .web import HttpError, Reply, Routes

routes = Routes()

UPLOADED = "2024-04-25T00:00:00Z"


def _image(request, image):
    return {
        "id": image.id,
        "name": image.name,
        "status": "active",
        "visibility": "public",
        "protected": True,
        "os_hidden": False,
        "owner": request.app.identity.project_id,
        "disk_format": "qcow2",
        "container_format": "bare",
        "min_disk": image.min_disk,
        "min_ram": 0,
        "size": image.size,
        "virtual_size": image.min_disk * 1024**3,
        "checksum": None,
        "os_hash_algo": None,
        "os_hash_value": None,
        "os_distro": image.os_distro,
        "os_version": image.os_version,
        "tags": [],
        "created_at": UPLOADED,
        "updated_at": UPLOADED,
        "self": f"/v2/images/{image.id}",
        "file": f"/v2/images/{image.id}/file",
        "schema": "/v2/schemas/image",
    }


@routes.add("GET", "/image(/|/versions)?", public=True)
def versions(request):
    link = {"rel": "self", "href": f"{request.base_url}/image/v2/"}
    version = {"id": "v2.15", "status": "CURRENT", "links": [link]}
    return Reply(300, {"versions": [version]})


@routes.add("GET", "/image/v2/images")
def list_images(request):
    images = [i for i in catalogue.IMAGES.values() if request.param("name") in (None, i.name)]
    body = {"images": [_image(request, i) for i in images], "first": "/v2/images", "schema": "/v2/schemas/images"}
    return Reply(200, body)


@routes.add("GET", "/image/v2/images/(?P<image_id>[^/]+)")
def show_image(request, image_id):
    image = catalogue.image(image_id)
    if image is None:
        raise HttpError(404, {"code": 404, "title": "Not Found", "message": f"No image found with ID {image_id}"})
    return Reply(200, _image(request, image))
