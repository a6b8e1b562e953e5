"""Create, retrieve, cancel and delete responses: the engine's behaviour behind the routes.

Every create becomes a `Job`: the response is stored ``in_progress`` at once, and a task
decodes nothing more (the request was read already), runs the planner (and OCR, if a step
needs it) in a worker thread, and stores the finished response. A plain request waits for
the job; ``background=true`` returns the in-progress object at once; ``stream=true`` streams
the job's events. So cancel works the same way for all three, and a client that disconnects
does not lose its response (it can be retrieved).

Test/diagnostic hook: ``metadata.engine_delay_ms`` (0–60000) delays a job before it plans, so
tests can cancel a response that is reliably still ``in_progress``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from console_app.api.types import (
    ComputerCallItem,
    CreateParams,
    DeleteResult,
    MessageItem,
    OutputText,
    ReasoningItem,
    Response,
    SummaryText,
    Usage,
    Viewport,
)
from console_app.engine.conversation import (
    RequestInput,
    check_model,
    read_input,
    resolve_viewport,
)
from console_app.engine.errors import EngineError, bad_request, not_found
from console_app.engine.grounding import Display, Screen
from console_app.engine.ocr import OcrReader
from console_app.engine.openai_dialect import (
    FINAL_TYPES,
    OPENAI_RESPONSE_FIELDS,
    Dialect,
    calls_for,
    final_text,
    requested_dialect,
)
from console_app.engine.planner import PlanState, Turn, TurnOutput, plan_turn
from console_app.engine.screen_text import ScreenText
from console_app.engine.store import ResponseStore, Stored

log = logging.getLogger(__name__)

DELAY_KEY = "engine_delay_ms"
MAX_DELAY_MS = 60_000


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(16)}"


@dataclass(eq=False)
class Job:
    """One response being computed."""

    snapshot: Response
    done: asyncio.Event = field(default_factory=asyncio.Event)
    final: Response | None = None
    task: asyncio.Task[None] | None = None
    cancel_requested: bool = False
    deleted: bool = False

    @property
    def response_id(self) -> str:
        assert self.snapshot.id is not None
        return self.snapshot.id


class EngineService:
    """The local engine's responses: create (validate, start a job), retrieve, cancel, delete.

    Each created response runs as a `Job` (an asyncio task) over the `ResponseStore`; the HTTP
    layer (``engine/app.py``) only translates requests to these calls and `EngineError` to
    4xx answers.
    """

    def __init__(self, store: ResponseStore, ocr: OcrReader) -> None:
        self.store = store
        self.ocr = ocr
        self.screen_text = ScreenText(ocr)
        self.jobs: dict[str, Job] = {}

    # ------------------------------------------------------------------ create

    async def create(self, params: CreateParams) -> Job:
        """Validate the request and start its job. Raises `EngineError` (4xx) on bad input."""
        dialect = requested_dialect(params)
        model = check_model(params.model, openai=dialect != "lightcone")
        delay = _delay_seconds(params.metadata)
        previous = self._previous(params.previous_response_id)
        request = await asyncio.to_thread(read_input, params)
        if previous is None and params.previous_response_id is None:
            previous = self._by_call_ids(request.call_ids)
        viewport = resolve_viewport(
            params, request.screenshot, previous.response.viewport if previous else None
        )
        snapshot = Response(
            id=new_id("resp"),
            object="response",
            created_at=int(time.time()),
            model=model,
            status="in_progress",
            output=[],
            viewport=viewport,
            previous_response_id=previous.response.id if previous else None,
            instructions=params.instructions,
            tools=[t.model_dump(mode="json", exclude_none=True) for t in params.tools or []],
            metadata=params.metadata,
            temperature=params.temperature,
            top_p=params.top_p,
            max_output_tokens=params.max_output_tokens,
            **(OPENAI_RESPONSE_FIELDS if dialect != "lightcone" else {}),
        )
        self.store.save(snapshot, None, None)
        job = Job(snapshot=snapshot)
        self.jobs[job.response_id] = job
        state = previous.state if previous else None
        job.task = asyncio.create_task(self._run(job, state, request, viewport, delay, dialect))
        return job

    def _previous(self, response_id: str | None) -> Stored | None:
        if response_id is None:
            return None
        stored = self.store.get(response_id)
        if stored is None:
            raise bad_request(
                f"previous_response_id: no response with id {response_id!r} (it never existed "
                "or was deleted)",
                code="previous_response_not_found",
                param="previous_response_id",
            )
        if stored.response.status != "completed" or stored.state is None:
            raise bad_request(
                f"previous_response_id: response {response_id!r} is {stored.response.status}; "
                "only a completed response can be continued",
                code="previous_response_not_completed",
                param="previous_response_id",
            )
        return stored

    def _by_call_ids(self, call_ids: list[str]) -> Stored | None:
        for call_id in reversed(call_ids):
            stored = self.store.by_call_id(call_id)
            if stored is not None and stored.response.status == "completed" and stored.state:
                return stored
        return None

    async def _run(
        self,
        job: Job,
        state: PlanState | None,
        request: RequestInput,
        viewport: Viewport,
        delay: float,
        dialect: Dialect = "lightcone",
    ) -> None:
        final = job.snapshot
        call_id: str | None = None
        plan: PlanState | None = None
        try:
            if delay:
                await asyncio.sleep(delay)
            assert viewport.width is not None and viewport.height is not None
            screen = (
                Screen(request.screenshot, self.screen_text.read)
                if request.screenshot is not None
                else None
            )
            turn = Turn(request.text, screen, Display(viewport.width, viewport.height))
            output = await asyncio.to_thread(plan_turn, state, turn)
            items, call_id = _items(output, dialect)
            final = job.snapshot.model_copy(
                update={
                    "status": "completed",
                    "output": items,
                    "usage": _usage(request, output, openai=dialect != "lightcone"),
                }
            )
            final.model_dump_json()  # a response that cannot be written out fails here
            plan = output.state
        except asyncio.CancelledError:
            call_id = None
            if job.cancel_requested:
                final = job.snapshot.model_copy(update={"status": "cancelled"})
            else:
                final = _failed(job.snapshot, "the local engine stopped", "engine_stopped")
        except Exception as exc:  # a planner bug must become a failed response, not a 500
            log.exception("the planner failed on %s", job.response_id)
            call_id = None
            final = _failed(
                job.snapshot, f"the planner failed ({type(exc).__name__})", "planner_error"
            )
        finally:
            try:
                if not job.deleted:
                    self.store.save(final, plan, call_id)
            except Exception:
                log.exception("could not store %s", job.response_id)
                final = _failed(job.snapshot, "the response could not be stored", "store_error")
            finally:
                job.final = final
                self.jobs.pop(job.response_id, None)
                job.done.set()

    # ------------------------------------------------------------------ other endpoints

    def retrieve(self, response_id: str) -> Response:
        stored = self.store.get(response_id)
        if stored is None:
            raise not_found(response_id)
        return stored.response

    def job(self, response_id: str) -> Job | None:
        return self.jobs.get(response_id)

    async def cancel(self, response_id: str) -> Response:
        stored = self.store.get(response_id)
        if stored is None:
            raise not_found(response_id)
        job = self.jobs.get(response_id)
        if job is not None and job.task is not None and not job.done.is_set():
            job.cancel_requested = True
            job.task.cancel()
            await job.done.wait()
            assert job.final is not None
            if job.final.status == "cancelled":
                return job.final
            stored = self.store.get(response_id) or stored
        elif stored.response.status == "in_progress":  # no live job: a leftover row
            cancelled = stored.response.model_copy(update={"status": "cancelled"})
            self.store.save(cancelled, None, None)
            return cancelled
        status = stored.response.status
        raise EngineError(
            409,
            f"Response {response_id!r} is {status}; only in_progress responses can be cancelled.",
            code="response_not_cancellable",
        )

    async def delete(self, response_id: str) -> DeleteResult:
        job = self.jobs.get(response_id)
        if job is not None and job.task is not None and not job.done.is_set():
            job.deleted = True
            job.cancel_requested = True
            job.task.cancel()
            await job.done.wait()
        if not self.store.delete(response_id):
            raise not_found(response_id)
        return DeleteResult(id=response_id, deleted=True, object="response")

    async def close(self) -> None:
        """Stop every job (they are stored as failed: the engine stopped)."""
        tasks = [job.task for job in self.jobs.values() if job.task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _delay_seconds(metadata: dict[str, str] | None) -> float:
    if not metadata or DELAY_KEY not in metadata:
        return 0.0
    raw = metadata[DELAY_KEY]
    try:
        value = int(str(raw).strip())
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_DELAY_MS:
        raise bad_request(
            f"metadata.{DELAY_KEY} must be a whole number of milliseconds from 0 to {MAX_DELAY_MS}",
            code="invalid_metadata",
            param=f"metadata.{DELAY_KEY}",
        )
    return value / 1000


def _failed(snapshot: Response, message: str, code: str) -> Response:
    error = {"message": message, "type": "server_error", "code": code}
    return snapshot.model_copy(update={"status": "failed", "error": error})


def _message(text: str) -> MessageItem:
    return MessageItem(
        id=new_id("msg"),
        role="assistant",
        status="completed",
        content=[OutputText(text=text, annotations=[])],
    )


def _items(output: TurnOutput, dialect: Dialect = "lightcone") -> tuple[list[Any], str | None]:
    items: list[Any] = [
        ReasoningItem(id=new_id("rs"), summary=[SummaryText(text="\n".join(output.notes))])
    ]
    if output.message is not None:
        items.append(_message(output.message))
    call_id: str | None = None
    if output.action is not None and dialect != "lightcone":
        # OpenAI's names (engine/openai_dialect.py): a run ends with a message, not a call.
        if output.action.get("type") in FINAL_TYPES:
            text = final_text(output.action)
            if text != output.message:
                items.append(_message(text))
            return items, None
        calls = [
            ComputerCallItem.model_validate(c) for c in calls_for(output.action, dialect, new_id)
        ]
        items.extend(calls)
        return items, calls[-1].call_id
    if output.action is not None:
        call_id = new_id("call")
        items.append(
            ComputerCallItem(
                id=new_id("cu"),
                call_id=call_id,
                status="completed",
                action=output.action,
                pending_safety_checks=[],
            )
        )
    return items, call_id


def _tokens(text: str) -> int:
    """No tokenizer here: usage is an estimate of one token per 4 characters."""
    return math.ceil(len(text) / 4)


def _usage(request: RequestInput, output: TurnOutput, *, openai: bool = False) -> Usage:
    produced = "\n".join(output.notes) + (output.message or "") + str(output.action or "")
    input_tokens = _tokens(request.text)
    output_tokens = _tokens(produced)
    details = (
        {
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens_details": {"reasoning_tokens": 0},
        }
        if openai
        else {}
    )
    return Usage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=input_tokens + output_tokens,
        **details,
    )
