"""The REST API for a running desktop's files, which the Files panel uses too: list a folder, download
a file or a folder (as a zip), upload a file in pieces. Who may reach what is instances.files.access;
the bytes stream through (instances.files.vm). Paths start at `home/` (the desktop user's home
folder) or `data/<proposal>/` (a data mount, read-only)."""
import logging

from asgiref.sync import async_to_sync
from django.db import connection
from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from instances.files import vm
from instances.files.access import file_access, upload_limit
from instances.sharing.streams import rechecked
from protocols.file_api import Refused
from visa.schema import ErrorSerializer

log = logging.getLogger(__name__)

# Bytes in one upload request (deploy/nginx lets the upload path have 129m). Each request's checks
# cost the web process about what 10 MB of body does (tests/benchmarks/files.py): 32 MiB pieces
# spent a fifth of an upload's CPU on them. The body is streamed, so the web process holds none of it.
MAX_PIECE = 128 << 20
PATH = OpenApiParameter("path", str, description="e.g. home/results or data/900001/raw; empty: the top")
REFUSALS = {code: ErrorSerializer for code in (400, 403, 404, 409, 502)}


def refused(refusal):
    return Response({"detail": str(refusal), **refusal.details}, status=refusal.status)


def _whole(request, name):
    value = request.query_params.get(name, "")
    if not value.isdigit() or len(value) > 19:
        raise Refused(400, f"{name} must be a whole number of bytes.")
    return int(value)


class FileList(APIView):
    @extend_schema(summary="List a folder of a running desktop", parameters=[PATH], responses={
        200: inline_serializer("FileListing", {
            "path": serializers.CharField(),
            "writable": serializers.BooleanField(help_text="Whether you may upload here"),
            "upload_limit": serializers.IntegerField(help_text="The largest file an upload may bring, in bytes"),
            "piece": serializers.IntegerField(help_text="The most bytes one upload request may carry"),
            "entries": inline_serializer("FileEntry", {
                "name": serializers.CharField(),
                "kind": serializers.ChoiceField(["folder", "file", "link", "other"]),
                "size": serializers.IntegerField(required=False),
                "modified": serializers.IntegerField(required=False, help_text="Unix time"),
            }, many=True)}),
        **REFUSALS})
    def get(self, request, uuid):
        try:
            allowed, parts = file_access(request.user, uuid, request.query_params.get("path", ""))
            if not parts:  # the top: what this visitor may open
                entries = [{"name": "home", "kind": "folder"}] * allowed.home + (
                    [{"name": "data", "kind": "folder"}] if allowed.data else [])
            else:
                entries = vm.listing(allowed.instance, "/".join(parts))
                if parts == ["data"]:
                    entries = [entry for entry in entries if entry["name"] in allowed.data]
        except Refused as refusal:
            return refused(refusal)
        return Response({"path": "/".join(parts), "writable": parts[:1] == ["home"] and allowed.home,
                         "upload_limit": upload_limit(), "piece": MAX_PIECE, "entries": entries})


class FileDownload(APIView):
    @extend_schema(summary="Download a file, or a folder as a zip", parameters=[PATH], responses={
        (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The file, or a zip"),
        **REFUSALS})
    def get(self, request, uuid):
        try:
            allowed, parts = file_access(request.user, uuid, request.query_params.get("path", ""))
            if len(parts) < 2 and parts != ["home"]:
                raise Refused(400, "Name a file or folder in home/ or in one experiment's data.")
            instance, path = allowed.instance, "/".join(parts)
            link, length = async_to_sync(vm.open_download)(instance, path, vm.token_for(instance))
        except Refused as refusal:
            return refused(refusal)
        folder = length is None  # a folder's zip is made while sent: its length is not known
        user = request.user

        def still_allowed():
            try:
                file_access(user, uuid, path)
            except Refused:
                log.info("instance %s: %s lost access during a download of %s", uuid, user, path)
                return False
            return True

        log.info("instance %s: %s downloads %s", uuid, user, path)
        connection.close()  # the pool's connections are for requests, not for minutes of bytes
        response = StreamingHttpResponse(rechecked(vm.relay(link, length), still_allowed),
                                         content_type="application/zip" if folder else "application/octet-stream")
        if not folder:
            response["Content-Length"] = length
        response["Content-Disposition"] = content_disposition_header(True, parts[-1] + ".zip" * folder)
        response["Cache-Control"] = "no-store"
        return response


class FileUpload(APIView):
    parser_classes = []  # the body is the piece's bytes, read as they come (instances.files.asgi)

    @extend_schema(
        summary="Upload a piece of a file into the home folder",
        description="Send the file in pieces of at most `piece` bytes (from the listing), in order: each with "
                    "its `offset` and the file's whole `size`. The last piece puts the file in place (replacing "
                    "one of the same name). A 409 with `received` says where to go on from.",
        parameters=[OpenApiParameter("path", str, required=True, description="e.g. home/scripts/fit.py"),
                    OpenApiParameter("offset", int, required=True), OpenApiParameter("size", int, required=True)],
        request={"application/octet-stream": OpenApiTypes.BINARY},
        responses={200: inline_serializer("UploadProgress", {
            "received": serializers.IntegerField(help_text="Bytes of the file the desktop has"),
            "done": serializers.BooleanField(help_text="The file is in place")}),
            413: ErrorSerializer, **REFUSALS})
    def put(self, request, uuid):
        body = request.scope["visa.body"]
        try:
            allowed, parts = file_access(request.user, uuid, request.query_params.get("path", ""), write=True)
            offset, size = _whole(request, "offset"), _whole(request, "size")
            length = int(request.META.get("CONTENT_LENGTH") or 0)
            if size > upload_limit():
                raise Refused(413, f"This file is larger than uploads may be ({upload_limit() // 2**20} MB, set by "
                                   "the operators). Put it somewhere the desktop can fetch it from instead.")
            if length > MAX_PIECE:
                raise Refused(413, f"One request may carry at most {MAX_PIECE} bytes: send the file in pieces.")
            if offset + length > size:
                raise Refused(400, "This piece goes past the file's size.")
            if length == 0 and size > 0:
                raise Refused(400, "This piece is empty.")
            connection.close()  # while the piece comes, as slowly as the browser sends it, the pool has it back
            received = vm.upload(allowed.instance, "/".join(parts), offset, size, body, length)
        except Refused as refusal:
            async_to_sync(body.discard)(MAX_PIECE, vm.TIMEOUT.read)
            return refused(refusal)
        if received == size:
            log.info("instance %s: %s uploaded %s (%d bytes)", uuid, request.user, "/".join(parts), size)
        return Response({"received": received, "done": received == size})
