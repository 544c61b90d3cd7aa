"""Staff read routes: one document for the source viewer, and the facets for the filter pickers."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request
from pydantic import BaseModel

from bots.routes import Guards


class ChunkSpan(BaseModel):
    chunk_id: str
    position: int
    start: int
    end: int
    section: str | None = None


class SectionSpan(BaseModel):
    title: str
    start: int
    end: int


class DocumentOut(BaseModel):
    """A document's cleaned text; metadata that is unknown is left out."""

    doc_id: str
    title: str | None = None
    outlet: str | None = None
    author: str | None = None
    published: str | None = None
    url: str | None = None
    doc_type: str | None = None
    source: str | None = None
    text: str
    chunks: list[ChunkSpan]
    sections: list[SectionSpan]


class Facet(BaseModel):
    value: str
    count: int


class DateRange(BaseModel):
    min: str | None
    max: str | None
    count: int


class FacetsOut(BaseModel):
    documents: int
    outlets: list[Facet]
    doc_types: list[Facet]
    published: DateRange


def add_routes(app: FastAPI, guards: Guards) -> None:
    """Registered on the app itself (not an included router), so every route stays a plain
    ``APIRoute`` that the app's 405 handler can list."""

    @app.get(
        "/v1/documents/{doc_id:path}",
        tags=["staff"],
        dependencies=guards.staff,
        response_model=DocumentOut,
        response_model_exclude_none=True,
        responses={**guards.staff_errors, **guards.not_found},
    )
    def read_document(doc_id: str, request: Request) -> Any:
        """The cleaned text of a document with its metadata and chunk and section offsets."""
        view = guards.the(request).document(doc_id)
        if view is None:
            raise HTTPException(404, f"no document {doc_id}")
        return view

    @app.get("/v1/facets", tags=["staff"], dependencies=guards.staff, responses=guards.staff_errors)
    def read_facets(request: Request) -> FacetsOut:
        """Outlets, document types and the publication date range, with document counts."""
        return FacetsOut(**guards.the(request).facets())
