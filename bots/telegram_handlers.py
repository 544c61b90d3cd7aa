"""Telegram update handlers: access (allow-list, rate limit), commands, questions answered with
source and feedback buttons, and errors. ``bots.telegram`` builds the application around them."""

from __future__ import annotations

import asyncio
import html
import logging
import time
import uuid
from dataclasses import asdict
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, ChatType, MessageEntityType, ParseMode
from telegram.ext import Application, ContextTypes

from assistant.config import Settings
from assistant.conversation import Conversation
from assistant.interactions import FeedbackError
from assistant.service import Assistant
from bots.auth import KeyRateLimiter
from bots.telegram_format import (
    REASONS,
    answer_messages,
    cut_label,
    labels,
    quote_message,
    source_line,
)

log = logging.getLogger("hoidap.telegram")

EXAMPLES = [
    "Long An đặt mục tiêu công nghiệp hỗ trợ đáp ứng bao nhiêu phần trăm nhu cầu nội địa?",
    "Khu CNC TP.HCM ký thỏa thuận liên kết vùng với những tỉnh nào?",
    "Which zones does the Da Nang Hi-Tech Park link with?",
]
HELP = (
    "Gửi câu hỏi bằng tiếng Việt (có dấu hoặc không dấu) hoặc tiếng Anh. Câu trả lời trích từ "
    "tài liệu, kèm số nguồn [1], [2]: bấm nút <b>Nguồn</b> để xem đoạn trích.\n"
    "Có thể hỏi tiếp, ví dụ: <i>Còn Bình Dương thì sao?</i>\n"
    "/search từ khóa — tìm tài liệu\n/reset — xóa ngữ cảnh hội thoại"
)
SORRY = "Xin lỗi, đã có lỗi khi xử lý câu hỏi. Vui lòng thử lại sau."
SLOW_DOWN = "Bạn đang hỏi hơi nhanh. Vui lòng đợi một chút rồi hỏi tiếp nhé."
NOT_ALLOWED = "Xin lỗi, bot này chỉ dành cho người dùng đã đăng ký."
TEXT_ONLY = "Mình chỉ đọc được tin nhắn chữ. Hãy gửi câu hỏi bằng chữ nhé."
KEPT_ANSWERS = 30


class Handlers:
    """The bot's handlers; ``TelegramBot`` sets these attributes and registers the handlers."""

    settings: Settings
    assistant: Assistant
    limiter: KeyRateLimiter
    allowed: set[str]
    app: Application

    # -- access ------------------------------------------------------------------------------
    def _allowed(self, update: Update) -> bool:
        user = update.effective_user
        if not self.allowed or user is None:
            return not self.allowed
        return str(user.id) in self.allowed or (user.username or "").lower() in self.allowed

    async def _gate(self, update: Update) -> bool:
        """Allow-list and rate limit; tells the user why when refusing."""
        message = update.effective_message
        if not self._allowed(update):
            if message:
                await message.reply_text(NOT_ALLOWED)
            return False
        user = update.effective_user
        if user and self.limiter.retry_after(str(user.id)):
            if message:
                await message.reply_text(SLOW_DOWN)
            return False
        return True

    # -- commands ----------------------------------------------------------------------------
    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not await self._gate(update) or not update.effective_message:
            return
        stats = await asyncio.to_thread(self.assistant.stats)
        text = (
            "Xin chào! Mình là <b>Hỏi Đáp</b>, trợ lý tra cứu tài liệu về khu công nghệ cao, khu "
            "công nghiệp, khu kinh tế và công nghiệp hỗ trợ.\n"
            f"Hiện có {stats['documents']} tài liệu. Câu trả lời luôn kèm nguồn trích dẫn.\n\n"
            "Thử một câu hỏi mẫu:"
        )
        buttons = [
            [InlineKeyboardButton(cut_label(q), callback_data=f"ex:{i}")]
            for i, q in enumerate(EXAMPLES)
        ]
        await update.effective_message.reply_text(
            text, parse_mode=ParseMode.HTML, reply_markup=InlineKeyboardMarkup(buttons)
        )

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if await self._gate(update) and update.effective_message:
            await update.effective_message.reply_text(HELP, parse_mode=ParseMode.HTML)

    async def reset(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not self._allowed(update):  # the allow-list holds for every command
            if update.effective_message:
                await update.effective_message.reply_text(NOT_ALLOWED)
            return
        if update.effective_message and context.chat_data is not None:
            context.chat_data.pop("conversation", None)
            await update.effective_message.reply_text("Đã xóa ngữ cảnh. Mời bạn hỏi câu mới.")

    async def search(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if not message or not await self._gate(update):
            return
        words = " ".join(context.args or []).strip()
        if not words:
            await message.reply_text(
                "Cách dùng: /search từ khóa, ví dụ /search công nghiệp hỗ trợ Long An"
            )
            return
        hits = await asyncio.to_thread(self.assistant.search, words, 8)
        seen: dict[str, Any] = {}
        for h in hits:
            seen.setdefault(h.doc_id, h)
        if not seen:
            await message.reply_text("Không tìm thấy tài liệu phù hợp.")
            return
        lines = [f"<b>Tài liệu phù hợp với “{html.escape(words, quote=False)}”:</b>"]
        best = list(seen.values())[:5]
        for i, h in enumerate(best, 1):
            lines.append(f"{i}. {html.escape(source_line(h.as_dict()), quote=False)}")
        # Each result opens its best passage, like an answer's source buttons.
        key = self._keep(
            context,
            [{**h.as_dict(), "n": i, "quote": h.text} for i, h in enumerate(best, 1)],
        )
        buttons = [
            InlineKeyboardButton(f"{i}. {cut_label(h.title, 28)}", callback_data=f"src:{key}:{i}")
            for i, h in enumerate(best, 1)
        ]
        await message.reply_text(
            "\n".join(lines),
            parse_mode=ParseMode.HTML,
            reply_markup=InlineKeyboardMarkup([[b] for b in buttons]),
        )

    def _keep(self, context: ContextTypes.DEFAULT_TYPE, citations: list[dict[str, Any]]) -> str:
        """Remember what a message's buttons open (the last few per chat)."""
        chat_data = context.chat_data if context.chat_data is not None else {}
        key = uuid.uuid4().hex[:10]
        kept: dict[str, Any] = chat_data.setdefault("answers", {})
        kept[key] = citations
        while len(kept) > KEPT_ANSWERS:
            kept.pop(next(iter(kept)))
        return key

    # -- questions ---------------------------------------------------------------------------
    def _addressed(self, message: Message) -> str | None:
        """The question text, or None when a group message is not meant for the bot."""
        text = message.text or ""
        if message.chat.type == ChatType.PRIVATE:
            return text
        username = f"@{self.app.bot.username}".lower()
        # parse_entities reads Telegram's UTF-16 offsets right (an emoji before the mention).
        mentioned = any(
            value.lower() == username
            for value in message.parse_entities([MessageEntityType.MENTION]).values()
        )
        replied = message.reply_to_message is not None and (
            message.reply_to_message.from_user is not None
            and message.reply_to_message.from_user.id == self.app.bot.id
        )
        if not (mentioned or replied):
            return None
        return " ".join(w for w in text.split() if w.lower() != username)

    async def question(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        text = self._addressed(message)
        if not text or not text.strip():
            return
        if not await self._gate(update):
            return
        user = update.effective_user
        question = text.strip()[: self.settings.question_max_chars]
        await self._answer(message, question, context, user.id if user else 0)

    async def _answer(
        self, message: Message, text: str, context: ContextTypes.DEFAULT_TYPE, user_id: int
    ) -> None:
        chat_data = context.chat_data if context.chat_data is not None else {}
        await message.chat.send_action(ChatAction.TYPING)
        conversation = chat_data.setdefault(
            "conversation", Conversation(self.settings.telegram_history_turns)
        )
        started = time.perf_counter()
        answer = await asyncio.to_thread(self.assistant.ask, text, list(conversation.history))
        interaction_id = await asyncio.to_thread(
            self._log, user_id, answer, (time.perf_counter() - started) * 1000
        )
        conversation.add(answer)
        chat_data["lang"] = answer.language
        key = self._keep(context, [asdict(c) for c in answer.citations])
        label = labels(answer.language)
        rows = []
        if answer.citations:
            rows.append(
                [
                    InlineKeyboardButton(
                        f"{label['source']} {c.n}", callback_data=f"src:{key}:{c.n}"
                    )
                    for c in answer.citations
                ]
            )
        if interaction_id:
            lang = answer.language if answer.language in REASONS else "vi"
            rows.append(
                [
                    InlineKeyboardButton(
                        label["up"], callback_data=f"fb:{interaction_id}:up:{lang}"
                    ),
                    InlineKeyboardButton(
                        label["down"], callback_data=f"fb:{interaction_id}:down:{lang}"
                    ),
                ]
            )
        parts = answer_messages(answer)
        for i, part in enumerate(parts):
            markup = InlineKeyboardMarkup(rows) if rows and i == len(parts) - 1 else None
            await message.reply_text(part, parse_mode=ParseMode.HTML, reply_markup=markup)

    def _log(self, user_id: int, answer: Any, latency_ms: float) -> str | None:
        """Log the answer (pseudonymous user key); logging problems never cost the answer."""
        try:
            return self.assistant.log_answer("telegram", user_id, answer, latency_ms)
        except Exception:
            log.exception("could not log the answer")
            return None

    async def _feedback(self, query: Any, data: str) -> None:
        """👍/👎 under an answer, and the one follow-up a 👎 asks (what was wrong)."""
        kind, interaction_id, value, lang = (data.split(":") + ["", "", "", "vi"])[:4]
        label = labels(lang)
        log_ = self.assistant.interaction_log()
        if log_ is None:
            await query.answer()
            return
        rating = -1 if kind == "fr" or value == "down" else 1
        reason = value if kind == "fr" and value in REASONS["vi"] else None
        try:
            await asyncio.to_thread(
                log_.give_feedback,
                interaction_id,
                channel="telegram",
                raw_user=query.from_user.id,
                rating=rating,
                reason=reason,
            )
        except FeedbackError:
            await query.answer(label["expired"], show_alert=True)
            return
        await query.answer(label["thanks"])
        if kind == "fb" and value == "down":
            reasons = REASONS.get(lang, REASONS["vi"])
            buttons = [
                [InlineKeyboardButton(text, callback_data=f"fr:{interaction_id}:{code}:{lang}")]
                for code, text in reasons.items()
            ]
            await query.message.reply_text(label["why"], reply_markup=InlineKeyboardMarkup(buttons))
        elif kind == "fr":
            await query.edit_message_text(label["thanks"])

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or query.message is None:
            return
        data = query.data or ""
        if not self._allowed(update):  # buttons obey the allow-list like commands
            await query.answer(NOT_ALLOWED, show_alert=True)
            return
        if data.startswith(("fb:", "fr:")):
            await self._feedback(query, data)
            return
        message = query.message
        if not isinstance(message, Message):  # too old or deleted: nothing to reply under
            await query.answer(labels("vi")["expired"], show_alert=True)
            return
        if data.startswith("ex:"):
            await query.answer()
            if not await self._gate(update):
                return
            index = int(data[3:]) if data[3:].isdigit() else 0
            question = EXAMPLES[min(index, len(EXAMPLES) - 1)]
            await message.reply_text(f"❓ {question}")
            await self._answer(message, question, context, query.from_user.id)
            return
        _, key, n = (data.split(":") + ["", ""])[:3]
        citations = (context.chat_data or {}).get("answers", {}).get(key)
        citation = next((c for c in citations or [] if str(c["n"]) == n), None)
        if citation is None:
            await query.answer(labels("vi")["expired"], show_alert=True)
            return
        await query.answer()
        document = await asyncio.to_thread(self.assistant.document, str(citation["doc_id"]))
        text = (document or {}).get("text")
        url = (document or {}).get("url")
        lang = "en" if (context.chat_data or {}).get("lang") == "en" else "vi"
        markup = (
            InlineKeyboardMarkup([[InlineKeyboardButton(labels(lang)["open"], url=str(url))]])
            if url and str(url).startswith(("http://", "https://"))
            else None
        )
        await message.reply_text(
            quote_message(citation, text), parse_mode=ParseMode.HTML, reply_markup=markup
        )

    async def not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message and message.chat.type == ChatType.PRIVATE and self._allowed(update):
            await message.reply_text(TEXT_ONLY)

    async def ignore(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Edited messages: answering the edit again would duplicate the conversation."""

    async def error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("error handling update %s", update_id, exc_info=context.error)
        if isinstance(update, Update) and update.effective_message:
            try:
                await update.effective_message.reply_text(SORRY)
            except Exception:  # the apology itself failed (network): the log has the cause
                log.warning("could not send the apology for update %s", update_id)
