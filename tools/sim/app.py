"""The simulator app: layout, keys and screens. All agent work happens on the pacer's thread
(streams.pacers.InteractivePacer, through the controller); this only draws `SimFrame`s, at most
every `DRAW_INTERVAL_S`, each pane only when what it shows changed, and forwards keys.

The layout follows the terminal: below 120 columns the two columns share the width equally; below
34 rows the microphone and world panes give way (the camera, the glasses display, the critic and
the stream health stay), so an 80x24 terminal still shows every figure whole."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches

from tools.sim.buttons import BUTTON_KEYS
from tools.sim.controller import ManualClock, MonotonicClock, SessionController
from tools.sim.drivers import Driver
from tools.sim.screens import HelpScreen, NamePrompt
from tools.sim.view import SimFrame
from tools.sim.widgets.audio import AudioView
from tools.sim.widgets.camera import CameraView
from tools.sim.widgets.critic_log import CriticLog
from tools.sim.widgets.health import HealthView
from tools.sim.widgets.hud import HudView
from tools.sim.widgets.key_bar import KeyBar
from tools.sim.widgets.session_bar import SessionBar
from tools.sim.widgets.world import WorldView

SEEK_S = 5.0
ABOUT = (
    "The camera pane draws entity boxes (white: selected, green: enrolled, magenta: person, grey: hidden), orange "
    "where something looms, and a red "
    "ring where the world model is surprised. Feedback goes to the critic; enrolling teaches the agent a name."
)


class SimApp(App):
    """The Textual simulator: the camera with the world model's boxes, the microphone, the world state,
    the critic's log and health, with keys to pause, step, seek, change speed and mode, and give
    feedback."""
    CSS_PATH = "sim.tcss"
    TITLE = "glasses-agent sim"
    ENABLE_COMMAND_PALETTE = False
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (34, "-tall")]

    BINDINGS = [
        Binding("space", "toggle_pause", "play/pause", priority=True),
        Binding("n,full_stop", "step", "step one tick"),
        Binding("plus,equals_sign", "faster", "faster"),
        Binding("minus", "slower", "slower"),
        Binding("left", "seek(-1)", f"back {SEEK_S:g} s", priority=True),
        Binding("right", "seek(1)", f"ahead {SEEK_S:g} s", priority=True),
        Binding("h", "feedback('helpful')", "helpful"),
        Binding("d", "feedback('dismissed')", "dismissed"),
        Binding("e", "enroll", "enroll"),
        Binding("f", "find", "find"),
        Binding("m", "mode", "mode"),
        *(Binding(key, f"button('{action}')", description) for key, action, description in BUTTON_KEYS),
        Binding("s", "screenshot_svg", "screenshot"),
        Binding("question_mark", "help", "all keys"),
        Binding("q", "quit", "quit"),
    ]

    # The key bar, most pressed first (a narrow terminal keeps the first ones and "?"); pairs of
    # opposite keys share one entry. Every binding's key is here or in the help screen (a test checks).
    KEY_BAR = [("space", "play/pause"), ("n", "step"), ("?", "all keys"), ("q", "quit"), ("← →", f"seek {SEEK_S:g}s"),
               ("+ -", "speed"), ("h", "helpful"), ("d", "dismissed"), ("e", "enroll"), ("f", "find"), ("m", "mode"),
               ("s", "screenshot"), ("1 2 3", "button press·double·long")]

    def __init__(
        self,
        driver: Driver,
        *,
        speed: float = 1.0,
        clock: MonotonicClock | ManualClock | None = None,
        playing: bool = True,
        screenshot_dir: str | Path = ".",
    ) -> None:
        # Every colour here is RGB already: skipping Textual's ANSI-to-RGB pass over each segment
        # roughly halves the cost of drawing the camera pane, which is redrawn every tick.
        super().__init__(ansi_color=True)
        self.driver = driver
        self.controller = SessionController(
            driver, on_frame=self._show_frame, on_state=self._show_state, speed=speed, clock=clock, playing=playing
        )
        self.screenshot_dir = Path(screenshot_dir)
        self.frames_shown = 0

    def compose(self) -> ComposeResult:
        yield SessionBar(id="session")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield CameraView(id="camera")
                yield AudioView(id="audio")
            with Vertical(id="right"):
                yield HudView(id="hud")
                yield WorldView(id="world")
                yield CriticLog(id="critic")
                yield HealthView(id="health")
        yield KeyBar(self.KEY_BAR, id="keys")

    def on_mount(self) -> None:
        titles = {"camera": "camera", "audio": "microphone", "hud": "glasses display", "world": "world model",
                  "critic": "critic", "health": "stream health"}
        for widget_id, title in titles.items():
            self.query_one(f"#{widget_id}").border_title = title
        # What the agent runs without (no world-model checkpoint, ...): said once, where verdicts go.
        for note in getattr(getattr(self.driver, "agent", None), "notes", None) or ():
            self.query_one(CriticLog).note(note.split(" (")[0])
        if not self.controller.playing:
            self.query_one(CameraView).hint = "paused: n steps one tick, space plays, ? lists every key"
        self._show_state()
        self.controller.start()

    async def on_unmount(self) -> None:
        await self.controller.stop()

    # -- drawing -------------------------------------------------------------------------------

    def _selected_id(self) -> int | None:
        entity = self.query_one(WorldView).selected()
        return None if entity is None else entity.id

    def _show_frame(self, frame: SimFrame) -> None:
        try:
            self._draw(frame)
        except NoMatches:
            pass  # the window is closing: its panes are gone before the controller has stopped

    def _draw(self, frame: SimFrame) -> None:
        """Each pane that is on screen, each only if what it shows changed (the panes compare)."""
        self.frames_shown += 1
        world = self.query_one(WorldView)
        if world.display:
            world.show(frame, goal=self.controller.goal, enrolled=self.controller.enrolled)
        self.query_one(CameraView).show(frame, self._selected_id())
        audio = self.query_one(AudioView)
        if audio.display:
            audio.show(frame)
        self.query_one(HudView).show(frame)
        self.query_one(HealthView).show(frame)
        if frame.t_ns != self._logged_t_ns:  # a redraw of the same tick (a new name) logs nothing twice
            critic = self.query_one(CriticLog)
            for earlier in frame.undrawn:  # ticks drawing skipped: their verdicts all the same
                critic.show(earlier)
            critic.show(frame)
            self._logged_t_ns = frame.t_ns
        self._show_state()

    _logged_t_ns: int | None = None

    def _show_state(self) -> None:
        try:
            bar = self.query_one(SessionBar)
        except NoMatches:
            return  # closing
        c = self.controller
        frame = c.frame
        bar.show(
            label=self.driver.label, playing=c.playing, ended=c.ended, speed=c.speed,
            stream_s=None if frame is None else frame.stream_s,
            duration_s=None if frame is None else frame.duration_s,
            tick=None if frame is None else frame.index, mode=c.mode, status=c.status, error=c.error,
        )

    def on_data_table_row_highlighted(self) -> None:
        if self.controller.frame is not None:
            try:
                camera, selected = self.query_one(CameraView), self._selected_id()
                if camera.selected != selected:  # the table also fires this on its every rebuild
                    camera.show(self.controller.frame, selected)
            except NoMatches:
                pass  # closing

    # -- actions -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While a name is typed (or help is open), keys belong to that screen: space goes into
        "my keys", arrows move the cursor. The priority bindings stand aside."""
        if action in ("toggle_pause", "seek") and isinstance(self.screen, (NamePrompt, HelpScreen)):
            return False
        return True

    def action_toggle_pause(self) -> None:
        self.controller.toggle()

    async def action_step(self) -> None:
        await self.controller.step()

    def action_faster(self) -> None:
        self.controller.faster(+1)

    def action_slower(self) -> None:
        self.controller.faster(-1)

    async def action_seek(self, direction: int) -> None:
        await self.controller.seek(direction * SEEK_S)

    async def action_feedback(self, verdict: str) -> None:
        prompt_id = await self.controller.feedback(verdict)
        if prompt_id is not None:
            self.query_one(CriticLog).note(f"{verdict} → critic ({prompt_id})")

    def action_enroll(self) -> None:
        entity = self.query_one(WorldView).selected()
        if entity is None or self.controller.frame is None:
            self.controller.status = "no entity selected to enroll"
            self._show_state()
            return

        async def enroll(name: str | None) -> None:
            if name and await self.controller.enroll(name, entity):
                self.query_one(CriticLog).note(f"enrolled #{entity.id} as {name!r}")

        self.push_screen(NamePrompt(f"Name for entity #{entity.id} ({entity.kind}):", "my keys"), enroll)

    def action_find(self) -> None:
        async def find(name: str | None) -> None:
            await self.controller.set_goal(name)

        self.push_screen(NamePrompt("Find what? (an enrolled name; empty clears the goal)", "keys"), find)

    async def action_mode(self) -> None:
        await self.controller.cycle_mode()

    async def action_button(self, action: str) -> None:
        """A glasses button: what it did goes to the critic log (the mode to the session bar)."""
        note = await self.controller.button(action)
        if note is not None:
            self.query_one(CriticLog).note(note)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(list(self.BINDINGS), ABOUT))

    def action_screenshot_svg(self, path: str | None = None) -> str:
        """Save the screen as SVG (the README's picture is made by this)."""
        target = Path(path) if path else None
        if target is None:
            saved = self.save_screenshot(path=str(self.screenshot_dir))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            saved = self.save_screenshot(filename=target.name, path=str(target.parent))
        self.controller.status = f"screenshot {saved}"
        self._show_state()
        return saved
