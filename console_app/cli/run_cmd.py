"""``console-app run``: the supervised loop at a terminal — the console's main job without a window.

Exit codes: 0 only when the run ended in success; 1 when it failed, was stopped or hit an
error; 2 for a usage or configuration problem (bad profile, no key, unreadable settings, a
screen the console cannot see: Wayland without X11, a blank capture).
Ctrl+C, SIGTERM and SIGHUP stop the run the way Stop does (the in-flight request is cancelled,
held input released, the run recorded as stopped), then the local engine stops and the
command exits. Interactive approval needs a protected terminal window (``terminal_window.py``)
and accepts only answers typed on its keyboard (``terminal.ask_human``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from typing import TYPE_CHECKING, Any, Literal, TextIO

from console_app.cli.terminal import flush_input
from console_app.core.redact import redact

if TYPE_CHECKING:  # the handler imports these; `console-app --help` stays fast
    from console_app.agent.events import LoopEvent
    from console_app.agent.session import Session
    from console_app.core.privacy import WindowRule
    from console_app.core.records import StepRecord
    from console_app.core.settings import Policy, Profile

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "run",
        help="run a supervised task at the terminal",
        description="Run the supervised loop at the terminal: capture the screen, ask the "
        "model, approve each action at the prompt (y / n + feedback / e to edit / s / q), "
        "execute it on this desktop. Exits 0 only if the run ended in success.",
    )
    parser.add_argument("--task", required=True, help="what the agent should do")
    parser.add_argument("--profile", help="profile name (default: the active one)")
    parser.add_argument("--base-url", help="any Responses-compatible server (else the profile's)")
    parser.add_argument("--model", help="model name (else the profile's)")
    parser.add_argument(
        "--api",
        choices=["openai", "lightcone"],
        help="wire names to speak: OpenAI's (computer_use_preview / computer tool, "
        "computer_screenshot outputs) or Lightcone's (computer_use, input_image); default: the "
        "profile's choice, else inferred from the model name, else lightcone",
    )
    parser.add_argument("--coordinates", choices=["pixels", "normalized"])
    parser.add_argument(
        "--approve",
        choices=["ask", "auto"],
        default="ask",
        help="ask at the prompt (default) or approve every allowed action automatically; "
        "blocked actions stay blocked and safety checks always need a human",
    )
    parser.add_argument("--monitor", type=int, help="monitor number (1 = first)")
    parser.add_argument("--max-steps", type=int, help="step budget")
    parser.add_argument("--stream", action="store_true", help="use server-sent events")
    parser.add_argument("--json", action="store_true", help="print one JSON object per step")
    parser.add_argument(
        "--mask-window",
        action="append",
        default=[],
        metavar="REGEX",
        help="mask every window whose title or WM_CLASS matches (class:REGEX / title:REGEX "
        "for one of them) in every screenshot, and refuse it as a target; repeatable, added "
        "to the profile's rules",
    )
    parser.add_argument(
        "--only-window",
        action="append",
        default=[],
        metavar="REGEX",
        help="confine the agent to the matching window(s): everything else is masked and "
        "actions outside are refused; repeatable",
    )
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from console_app.core.logs import setup_logging

    # Details (tracebacks included) go to the log file; the terminal gets plain sentences.
    setup_logging("INFO", stderr_level="CRITICAL")
    try:
        profile = resolve_profile(args)
    except (ValueError, KeyError) as exc:
        print(f"console-app run: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return asyncio.run(_main(args, profile))


def resolve_profile(args: argparse.Namespace) -> Profile:
    """The active (or named) profile with the command line's overrides applied."""
    from console_app.core.secret_patterns import configure
    from console_app.core.settings import Profile, default_profiles
    from console_app.core.settings_store import SettingsStore, resolve_startup

    startup = resolve_startup(SettingsStore())
    settings = startup.settings
    configure(settings.privacy.secret_patterns, builtin=settings.privacy.redact_builtin_secrets)
    name = args.profile or settings.active_profile
    if settings.has_profile(name):
        profile = settings.profile(name)
    else:
        defaults = {p.name: p for p in default_profiles()}
        if name not in defaults:
            raise KeyError(f"no profile named {name!r}")
        profile = defaults[name]
    updates: dict[str, Any] = {}
    if args.base_url:
        updates["base_url"] = args.base_url
        if profile.kind == "local":
            updates["kind"] = "openai"  # a given URL is a server to talk to, not an engine
    for field in ("model", "coordinates", "monitor", "max_steps"):
        value = getattr(args, field)
        if value is not None:
            updates[field] = value
    if args.stream:
        updates["stream"] = True
    if args.approve == "auto":
        updates["policy"] = auto_policy(profile.policy).model_dump()
    if getattr(args, "api", None):
        updates["api"] = args.api
    mask = [_rule("--mask-window", text) for text in getattr(args, "mask_window", None) or ()]
    only = [_rule("--only-window", text) for text in getattr(args, "only_window", None) or ()]
    if mask:
        updates["mask_windows"] = [r.model_dump() for r in (*profile.mask_windows, *mask)]
    if only:  # the command line names the app for this run: it replaces the profile's choice
        updates["only_windows"] = [r.model_dump() for r in only]
    if updates:
        profile = Profile.model_validate({**profile.model_dump(), **updates})
    if startup.notice and profile.is_local:
        # "No API key found, so the console uses the local engine" is only true when it does:
        # with --base-url (or a cloud profile) the run talks to that server instead.
        print(startup.notice, file=sys.stderr)
    return profile


def startup_lines(profile: Profile, backend: str, api_from_cli: str | None) -> list[str]:
    """What a run says before it starts: the backend really used and the wire names."""
    from console_app.core.dialect import choose_api, wire_names

    api, reason = choose_api(
        cli=api_from_cli,
        profile_api=profile.api,
        model=profile.model,
        legacy_tool_type=profile.tool_type,
    )
    where = (
        f"the local engine at {backend}"
        if profile.is_local
        else f"{backend} (profile {profile.name!r}, {profile.kind})"
    )
    return [
        f"backend: {where}, model {profile.model}",
        f"api: {wire_names(api, profile.model, profile.environment).describe()} ({reason})",
    ]


def _rule(option: str, text: str) -> WindowRule:
    from pydantic import ValidationError

    from console_app.core.privacy import parse_rule

    try:
        return parse_rule(text)
    except ValidationError as exc:
        reason = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        raise ValueError(f"{option} {text!r}: {reason}") from None


def auto_policy(policy: Policy) -> Policy:
    """``--approve auto``: every action type the policy does not block runs without asking.

    Blocked types and blocked chords stay blocked, and pending safety checks still go to a
    human (the loop always asks for those), so "auto" never widens what can happen.
    """
    per_type = {kind: choice for kind, choice in policy.per_type.items() if choice == "block"}
    return policy.model_copy(update={"default": "auto", "per_type": per_type})


async def _main(args: argparse.Namespace, profile: Profile) -> int:
    from console_app.agent.backend import BackendError
    from console_app.agent.session import open_session
    from console_app.capture.monitors import session_problem
    from console_app.history.store import HistoryStore

    out = sys.stdout
    blind = session_problem()  # before anything starts: the console could not see the screen
    if blind:
        print(f"console-app run: {blind}", file=sys.stderr)
        return EXIT_USAGE
    recorder = HistoryStore()
    try:
        session = await open_session(profile, recorder)
    except (BackendError, OSError, RuntimeError) as exc:
        print(f"console-app run: {exc}", file=sys.stderr)
        recorder.close()
        return EXIT_USAGE
    for line in startup_lines(profile, session.backend, getattr(args, "api", None)):
        print(line, file=sys.stderr, flush=True)
    try:
        problem = await asyncio.to_thread(_desktop_problem, session)
        if problem:
            print(f"console-app run: {problem}", file=sys.stderr)
            return EXIT_USAGE
        return await _supervise(args, session, out)
    finally:
        await session.aclose()
        await asyncio.to_thread(_apply_retention, recorder)
        recorder.close()
        flush_input()  # nothing the agent typed may reach the shell after we exit


def _apply_retention(recorder: object) -> None:
    """The retention settings (``privacy.keep_days`` / ``max_history_mb``), after the run."""
    from console_app.core.settings_store import SettingsError, SettingsStore
    from console_app.history.retention import apply_retention

    try:
        privacy = SettingsStore().load().privacy
    except (SettingsError, OSError):
        return
    apply_retention(recorder, privacy.keep_days, privacy.max_history_mb)


def _desktop_problem(session: Session) -> str | None:
    """A configuration problem with the screen (no display, no such monitor), in words."""
    try:
        session.screen.monitor()
    except Exception as exc:
        return f"cannot capture monitor {session.profile.monitor}: {exc}"
    return None


STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def unprotected_terminal(how: str) -> str:
    return (
        "console-app run: the terminal window running this command could not be identified "
        f"({how}), so it cannot be kept out of the agent's reach (masked, never clicked or "
        "typed into) and answers cannot be proven to come from you. Run it in a terminal "
        "emulator on this X display (xterm, GNOME Terminal, Konsole…; inside tmux is fine), "
        "or use --approve auto without a terminal attached."
    )


async def _supervise(args: argparse.Namespace, session: Session, out: TextIO) -> int:
    from console_app.agent.events import Problem
    from console_app.cli.terminal import TerminalWindow, ask_human
    from console_app.cli.terminal_approver import TerminalApprover

    interactive = sys.stdin.isatty()
    terminal = await asyncio.to_thread(TerminalWindow, interactive=interactive)
    if interactive and not terminal.found:
        terminal.close()
        print(unprotected_terminal(terminal.how), file=sys.stderr, flush=True)
        return EXIT_USAGE
    if terminal.found:
        print(f"  supervising terminal: {terminal.how}", file=sys.stderr, flush=True)
    approver = TerminalApprover(
        auto=args.approve == "auto", interactive=interactive, witness=terminal.witness
    )
    printer = StepPrinter(out, as_json=args.json)

    blind: list[Problem] = []

    async def on_problem(problem: Problem) -> Literal["retry", "stop"]:
        if problem.kind == "blind":
            blind.append(problem)  # the console cannot see this screen: a setup problem
        if not problem.can_retry or not approver.interactive:
            return "stop"
        try:
            answer = await ask_human("  retry? [y/N] ", witness=terminal.witness)
        except (EOFError, KeyboardInterrupt):
            return "stop"
        return "retry" if answer.strip().lower() == "y" else "stop"

    loop = session.loop(
        approve=approver,
        on_event=printer,
        on_problem=on_problem,
        exclusion=terminal.rects,
        focus_guard=terminal.guard if terminal.found else None,
        on_stale=approver.stale,
    )
    aio = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            aio.add_signal_handler(sig, loop.stop)
    try:
        result = await loop.run(args.task)
    finally:
        terminal.close()
        for sig in STOP_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                aio.remove_signal_handler(sig)
    if result.succeeded:
        return EXIT_OK
    return EXIT_USAGE if blind and result.status == "stopped" else EXIT_FAILED


class StepPrinter:
    """Prints each finished step (and the problems and the result) as text or JSON lines."""

    def __init__(self, out: TextIO, *, as_json: bool) -> None:
        self.out = out
        self.as_json = as_json
        self._printed: set[tuple[int, str]] = set()  # a step re-recorded unchanged prints once

    def __call__(self, event: LoopEvent) -> None:
        from console_app.agent.events import PrivacyStatus, Problem, RunFinished, StepRecorded

        if isinstance(event, PrivacyStatus):
            if event.text:
                print(f"  privacy: {event.text}", file=sys.stderr, flush=True)
        elif isinstance(event, StepRecorded) and event.step.execution != "pending":
            key = (event.step.index, event.step.execution)
            if event.step.decision != "pending" and key not in self._printed:
                self._printed.add(key)
                self._step(event.step)
        elif isinstance(event, Problem):
            print(redact(f"  ! {event.text}"), file=sys.stderr, flush=True)
        elif isinstance(event, RunFinished):
            result = event.result
            if self.as_json:
                self._json(
                    {
                        "event": "run",
                        "run_id": result.run_id,
                        "status": result.status,
                        "reason": result.reason,
                        "answer": result.answer,
                        "steps": result.steps,
                    }
                )
            else:
                answer = f": {result.answer}" if result.answer else ""
                line = f"run {result.status} after {result.steps} step(s) ({result.reason})"
                print(
                    redact(line + answer),
                    file=self.out,
                    flush=True,
                )

    def _step(self, step: StepRecord) -> None:
        if self.as_json:
            self._json(step_json(step))
            return
        t = step.timings
        parts = [f"capture {t.capture_ms or 0:.0f} ms"]
        if t.model_ms is not None:
            parts.append(f"model {t.model_ms:.0f} ms")
        if t.execute_ms is not None:
            parts.append(f"execute {t.execute_ms:.0f} ms")
        if t.settle_ms is not None:
            parts.append(f"settle {t.settle_ms:.0f} ms")
        if step.upload_bytes:
            parts.append(f"{step.upload_bytes / 1024:.0f} KB up")
        outcome = step.decision + ("" if step.execution == "none" else f", {step.execution}")
        shown = ("refused", "failed", "stale")
        detail = f" — {step.execution_detail}" if step.execution in shown else ""
        print(
            redact(
                f"step {step.index + 1}: {step.summary} [{outcome}] ({', '.join(parts)}){detail}"
            ),
            file=self.out,
            flush=True,
        )

    def _json(self, obj: dict[str, Any]) -> None:
        print(redact(json.dumps(obj, ensure_ascii=False)), file=self.out, flush=True)


def step_json(step: StepRecord) -> dict[str, Any]:
    """A step for ``--json`` output: everything but the screenshot bytes."""
    data = step.model_dump(mode="json", exclude={"screenshot"})
    data["event"] = "step"
    return data
