"""Asking the model for one turn: the request, streaming, polling, cancelling, and errors.

Kept apart from the loop because this is where the network can fail in every way: the loop
only sees a `ModelTurn` come back — or `StopRun` when the human stopped — while every failure
in between becomes a `Problem` the human answers with retry or stop.

Invariant: a response the server may still be working on (a stream cut after it began, a poll
that failed, a stop) is cancelled, so a stop leaves nothing running and a retry never has two
responses at work for one turn.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Literal

from console_app.agent.context import RunContext
from console_app.agent.decisions import StopRun
from console_app.agent.events import LoopState, ModelAnswered, Problem, TextDelta
from console_app.agent.ledger import response_record
from console_app.agent.turns import ModelTurn, read_turn, upload_size
from console_app.api.errors import APIConnectionError, APIError, APIStatusError, AuthenticationError
from console_app.api.types import CreateParams, Response

if TYPE_CHECKING:
    from console_app.agent.ports import ModelClient, Shot

log = logging.getLogger(__name__)

POLL_INTERVAL = 0.5


class ModelCaller:
    """Asks the model for one turn at a time (``ask``); depends on the `RunContext`, not the loop.

    ``inflight_response_id`` is the response the server is still working on, if any: it is
    cancelled on stop and before a retry.
    """

    def __init__(self, run: RunContext, client: ModelClient) -> None:
        self.run = run
        self.client = client
        self.inflight_response_id: str | None = None

    async def ask(self, params: CreateParams, shot: Shot) -> tuple[ModelTurn, float, int]:
        """One turn: the model's answer, the model time in ms and the request's size."""
        control = self.run.control
        upload = upload_size(params, shot.data_url)
        while True:
            await control.wait_if_paused()
            control.set_state(LoopState.THINKING, "waiting for the model")
            started = time.perf_counter()
            try:
                response = await control.interruptible(self._call(params))
                response = await self._until_finished(response)
            except StopRun:
                await self._cancel_inflight()
                raise
            except APIError as exc:
                try:
                    await self._problem_from_api(exc)  # returns on retry, raises on stop
                finally:
                    await self._cancel_inflight()
                continue  # the human chose retry
            finally:
                self.inflight_response_id = None
            model_ms = (time.perf_counter() - started) * 1000
            if response.status in ("failed", "cancelled", "incomplete") and not response.output:
                text = response.error_message() or f"the response ended as {response.status}"
                await control.problem(Problem("api", f"The model could not answer: {text}"))
                continue
            turn = read_turn(response, self.run.policy.policy.limits.max_batch_actions)
            await self._record(response)
            usage = response.usage
            control.emit(
                ModelAnswered(
                    response_id=turn.response_id,
                    status=response.status,
                    reasoning=turn.reasoning,
                    message=turn.message,
                    proposals=turn.proposals,
                    model_ms=model_ms,
                    upload_bytes=upload,
                    input_tokens=usage.input_tokens if usage else None,
                    output_tokens=usage.output_tokens if usage else None,
                )
            )
            return turn, model_ms, upload

    async def _call(self, params: CreateParams) -> Response:
        client = self.client
        if not self.run.config.stream:
            return await client.create(params)
        final: Response | None = None
        async for event in client.create_stream(params):
            if event.type == "response.created" and event.response is not None:
                self.inflight_response_id = event.response.id
            elif event.delta and event.type.endswith("output_text.delta"):
                self.run.control.emit(TextDelta("message", event.delta))
            elif event.delta and "reasoning" in event.type and event.type.endswith(".delta"):
                self.run.control.emit(TextDelta("reasoning", event.delta))
            if event.is_terminal:
                final = event.response
        if final is None:
            raise APIConnectionError("the stream finished without a response object")
        return final

    async def _until_finished(self, response: Response) -> Response:
        """A response still ``queued``/``in_progress`` (background mode) is polled until done."""
        while response.status in ("queued", "in_progress") and response.id:
            self.inflight_response_id = response.id
            await self.run.control.interruptible(asyncio.sleep(POLL_INTERVAL))
            response = await self.run.control.interruptible(self.client.retrieve(response.id))
        return response

    async def _cancel_inflight(self) -> None:
        response_id, self.inflight_response_id = self.inflight_response_id, None
        if not response_id:
            return
        try:
            await asyncio.wait_for(self.client.cancel(response_id), self.run.config.cancel_timeout)
            log.info("cancelled response %s", response_id)
        except (APIError, TimeoutError) as exc:
            log.info("could not cancel response %s: %s", response_id, exc)

    async def _record(self, response: Response) -> None:
        if not response.id:
            return
        run = self.run
        record = response_record(
            response, backend=run.config.backend, profile=run.config.profile, run_id=run.run_id
        )
        await run.record_response(record)

    async def _problem_from_api(self, exc: APIError) -> None:
        kind: Literal["api", "network", "validation"] = "api"
        if isinstance(exc, APIConnectionError):
            kind = "network"
        elif not isinstance(exc, APIStatusError):
            kind = "validation"
        detail = exc.message + (f" (request id {exc.request_id})" if exc.request_id else "")
        can_retry = not isinstance(exc, AuthenticationError)
        await self.run.control.problem(Problem(kind, exc.user_text(), detail, can_retry=can_retry))
