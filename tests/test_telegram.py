"""The real bot (PTB's own HTTP client, real handlers, real assistant on the seed corpus) driven
through a fake Bot API server on 127.0.0.1."""

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.answer.model import Answer, Citation
from assistant.service import Assistant
from bots.telegram import TelegramBot
from bots.telegram_format import LIMIT, answer_messages, split_plain
from bots.telegram_handlers import SLOW_DOWN, SORRY, TEXT_ONLY
from tests.conftest import make_settings
from tests.fake_telegram import FakeTelegram, html_error

Q70 = "Long An đặt mục tiêu công nghiệp hỗ trợ đáp ứng bao nhiêu phần trăm nhu cầu nội địa?"


class Running:
    """A bot polling in its own event loop thread, as in production."""

    def __init__(self, assistant: Any, **settings: Any) -> None:
        self.fake = FakeTelegram()
        config = make_settings(
            Path("/nonexistent"),
            telegram_bot_token=self.fake.token,
            telegram_api_url=self.fake.base_url,
            **settings,
        )
        self.bot = TelegramBot(config, assistant)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self._run(self.bot.start_polling())

    def _run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(60)

    def close(self) -> None:
        self._run(self.bot.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.fake.close()


@pytest.fixture()
def running(seed_assistant: Assistant) -> Iterator[Running]:
    r = Running(seed_assistant, telegram_rate_per_minute=6)
    yield r
    r.close()


def _texts(fake: FakeTelegram, chat_id: int) -> list[str]:
    return [m["text"] for m in fake.messages_to(chat_id)]


def test_start_lists_commands_and_examples(running: Running) -> None:
    fake = running.fake
    assert {c["command"] for c in fake.commands} == {"start", "help", "search", "reset"}
    fake.send_text(11, "/start")
    greeting = fake.wait_for(lambda s: s["method"] == "sendMessage" and "Hỏi Đáp" in s["text"])[0]
    assert "5 tài liệu" in greeting["text"]
    buttons = [b[0] for b in greeting["reply_markup"]["inline_keyboard"]]
    assert len(buttons) == 3 and all(b["callback_data"].startswith("ex:") for b in buttons)
    # Pressing an example asks it.
    fake.press(11, {"message_id": 1, "date": 0, "chat": {"id": 11, "type": "private"}}, "ex:0")
    fake.wait_for(lambda s: s["method"] == "sendMessage" and "70%" in s["text"])
    fake.send_text(11, "/help")
    fake.wait_for(lambda s: s["method"] == "sendMessage" and "/search" in s["text"])
    fake.send_text(11, "/search cong nghiep ho tro Long An")
    found = fake.wait_for(
        lambda s: s["method"] == "sendMessage" and "Tài liệu phù hợp" in s["text"]
    )[0]
    assert "Long An" in found["text"]


def test_answer_sources_followup_accentless_english(running: Running) -> None:
    fake = running.fake
    fake.send_text(21, Q70)
    answer = fake.wait_for(lambda s: s["method"] == "sendMessage" and s.get("reply_markup"))[0]
    assert "70%" in answer["text"] and "[1]" in answer["text"] and answer["parse_mode"] == "HTML"
    assert any(s["method"] == "sendChatAction" and s["action"] == "typing" for s in fake.sent)
    button = answer["reply_markup"]["inline_keyboard"][0][0]
    assert button["text"] == "Nguồn 1"

    message = {
        "message_id": 5,
        "date": 0,
        "chat": {"id": 21, "type": "private"},
        "text": answer["text"],
    }
    fake.press(21, message, button["callback_data"])
    quote = fake.wait_for(lambda s: s["method"] == "sendMessage" and "<blockquote>" in s["text"])[0]
    assert "70%" in quote["text"] and "Long An" in quote["text"]
    assert any(s["method"] == "answerCallbackQuery" for s in fake.sent)

    fake.send_text(21, "Phó Giám đốc Sở KH-CN TP Đà Nẵng là ai?")
    fake.wait_for(lambda s: s["method"] == "sendMessage" and "Lê Sơn Phong" in s["text"])
    fake.send_text(21, "Còn giám đốc NSSC là ai?")
    fake.wait_for(lambda s: s["method"] == "sendMessage" and "Lê Toàn Thắng" in s["text"])

    fake.send_text(
        22, "long an dat muc tieu cong nghiep ho tro dap ung bao nhieu phan tram nhu cau noi dia"
    )
    fake.wait_for(
        lambda s: s["method"] == "sendMessage" and int(s["chat_id"]) == 22 and "70%" in s["text"]
    )
    fake.send_text(
        23, "which provinces signed the supporting industry agreement with HCMC Hi-Tech Park?"
    )
    fake.wait_for(
        lambda s: (
            s["method"] == "sendMessage" and int(s["chat_id"]) == 23 and "Đồng Nai" in s["text"]
        )
    )
    fake.send_text(21, "/reset")
    fake.wait_for(lambda s: s["method"] == "sendMessage" and "Đã xóa ngữ cảnh" in s["text"])
    assert not fake.rejected


def test_flood_is_rate_limited_without_starving_others(running: Running) -> None:
    fake = running.fake
    for i in range(10):
        fake.send_text(31, f"Long An công nghiệp hỗ trợ câu {i}")
    fake.send_text(32, Q70)
    fake.wait_for(
        lambda s: s["method"] == "sendMessage" and int(s["chat_id"]) == 32 and "70%" in s["text"]
    )
    fake.wait_for(lambda s: s["method"] == "sendMessage" and int(s["chat_id"]) == 31, count=10)
    texts = _texts(fake, 31)
    assert texts.count(SLOW_DOWN) == 4  # 6 a minute allowed in this test


def test_two_users_at_once_get_their_own_answers(running: Running) -> None:
    fake = running.fake
    fake.send_text(41, Q70)
    fake.send_text(42, "Ai là giám đốc NSSC?")
    fake.wait_for(
        lambda s: s["method"] == "sendMessage" and s.get("reply_markup") is not None, count=2
    )
    assert any("70%" in t for t in _texts(fake, 41)) and not any(
        "Lê Toàn Thắng" in t for t in _texts(fake, 41)
    )
    assert any("Lê Toàn Thắng" in t for t in _texts(fake, 42)) and not any(
        "70%" in t for t in _texts(fake, 42)
    )


def test_stickers_edits_and_groups(running: Running) -> None:
    fake = running.fake
    fake.push(
        {
            "message": fake.user_message(
                51,
                "",
                sticker={
                    "file_id": "s",
                    "file_unique_id": "s",
                    "type": "regular",
                    "width": 1,
                    "height": 1,
                    "is_animated": False,
                    "is_video": False,
                },
            )
        }
    )
    fake.wait_for(lambda s: s["method"] == "sendMessage" and s["text"] == TEXT_ONLY)
    edited = fake.user_message(51, Q70, edit_date=int(time.time()))
    fake.push({"edited_message": edited})
    fake.push(
        {"message": fake.user_message(52, Q70, chat_id=-100)}
    )  # a group message not for the bot
    mention = "@hoidap_bot " + Q70
    fake.push(
        {
            "message": fake.user_message(
                53, mention, chat_id=-100, entities=[{"type": "mention", "offset": 0, "length": 11}]
            )
        }
    )
    answered = fake.wait_for(lambda s: s["method"] == "sendMessage" and int(s["chat_id"]) == -100)
    time.sleep(1.0)
    assert len(fake.messages_to(-100)) == 1 and "70%" in answered[0]["text"]  # only the mention
    assert all("70%" not in t for t in _texts(fake, 51))  # the edit was not answered


def test_errors_are_apologised_for_and_the_bot_keeps_running(
    seed_assistant: Assistant, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    calls = {"n": 0}
    real_ask = seed_assistant.ask

    def flaky(*args: Any, **kwargs: Any) -> Answer:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("store exploded")
        return real_ask(*args, **kwargs)

    monkeypatch.setattr(seed_assistant, "ask", flaky)
    r = Running(seed_assistant)
    try:
        r.fake.send_text(61, Q70)
        r.fake.wait_for(lambda s: s["method"] == "sendMessage" and s["text"] == SORRY)
        assert "error handling update" in caplog.text and "store exploded" in caplog.text
        r.fake.send_text(61, Q70)
        r.fake.wait_for(lambda s: s["method"] == "sendMessage" and "70%" in s["text"])
    finally:
        r.close()


def test_allow_list(seed_assistant: Assistant) -> None:
    r = Running(seed_assistant, telegram_allowed_users="71,@vip_investor")
    try:
        r.fake.send_text(72, Q70)
        r.fake.wait_for(lambda s: s["method"] == "sendMessage" and "chỉ dành cho" in s["text"])
        r.fake.send_text(73, Q70, username="VIP_investor")
        r.fake.wait_for(
            lambda s: (
                s["method"] == "sendMessage" and int(s["chat_id"]) == 73 and "70%" in s["text"]
            )
        )
    finally:
        r.close()


class _LongAnswers:
    """Stands in for the assistant only to produce an answer longer than one Telegram message."""

    def stats(self) -> dict[str, int]:
        return {"documents": 1, "chunks": 1}

    def ask(self, question: str, history: Any = None) -> Answer:
        sentence = "Khu công nghiệp <A&B> đáp ứng 70% nhu cầu nội địa và thu hút đầu tư."
        text = " ".join(f"{sentence} [{1 + i % 2}]" for i in range(120))
        cites = [
            Citation(n, "d", f"d#{n}", f"Tiêu đề {n}", "Báo", "2025-01-01", sentence, 1.0)
            for n in (1, 2)
        ]
        return Answer(question, question, text, True, "extractive", cites, [], "vi")


def test_long_answer_arrives_split_and_valid() -> None:
    r = Running(_LongAnswers())
    try:
        r.fake.send_text(81, "câu hỏi dài")
        parts = r.fake.wait_for(
            lambda s: s["method"] == "sendMessage" and int(s["chat_id"]) == 81, count=3
        )
        assert not r.fake.rejected
        assert all(len(p["text"]) <= LIMIT and html_error(p["text"]) is None for p in parts)
        assert all(
            p["text"].rstrip().endswith(("]", "</i>")) for p in parts[:-1]
        )  # cut after a marker
        assert parts[-1].get("reply_markup") and not parts[0].get("reply_markup")
    finally:
        r.close()


def test_splitter_and_fake_validation() -> None:
    text = "Câu một có dấu & ký hiệu [1]. " * 400
    pieces = split_plain(text, 1000)
    assert "".join(p.replace(" ", "") for p in pieces) == text.replace(" ", "")
    assert all(len(p.replace("&", "&amp;")) <= 1000 for p in pieces)
    assert html_error("<b>ok</b> &amp; <i>x</i>") is None
    assert html_error("<b>open") and html_error("<script>x</script>") and html_error("a & b")
    assert all(html_error(m) is None for m in answer_messages(_LongAnswers().ask("q")))


def test_webhook_mode_inside_the_http_app(seed_assistant: Assistant) -> None:
    import httpx

    from bots.api import create_app
    from tests.live_server import serve

    fake = FakeTelegram()
    settings = make_settings(
        Path("/nonexistent"),
        telegram_bot_token=fake.token,
        telegram_api_url=fake.base_url,
        telegram_webhook_url="https://hoidap.example/telegram/webhook",
        telegram_webhook_secret="s3cret-token",
    )
    try:
        with serve(create_app(settings, seed_assistant, telegram=True)) as url:
            update = {"update_id": 1, "message": fake.user_message(91, Q70)}
            wrong = httpx.post(
                url + "/telegram/webhook",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": "nope"},
            )
            assert wrong.status_code == 403
            ok = httpx.post(
                url + "/telegram/webhook",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"},
            )
            assert ok.json() == {"ok": True}
            fake.wait_for(
                lambda s: (
                    s["method"] == "sendMessage" and int(s["chat_id"]) == 91 and "70%" in s["text"]
                )
            )
    finally:
        fake.close()
