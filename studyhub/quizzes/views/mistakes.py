"""The mistake book: what a member got wrong, reviewed on a schedule.

The book (how many are due, every card with when it comes back) and the review
session: the longest-overdue card's question on its own screen; the answer is
checked on the server, which shows the verdict, the right answer and the
explanation, then the next card.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from studyhub.core import clock
from studyhub.core.clock import as_utc
from studyhub.core.errors import Conflict, DomainError
from studyhub.extensions import db
from studyhub.quizzes import queries
from studyhub.quizzes.forms import ReviewAnswerForm
from studyhub.quizzes.services import content, mistakes
from studyhub.quizzes.views import bp
from studyhub.web.saving import refused

BOOK_PER_PAGE = 30


@bp.get("/mistakes")
@login_required
def mistakes_book():
    """The member's mistake book: due now first, then by when each comes back."""
    now = clock.now_utc()
    counts = mistakes.counts(db.session, user_id=current_user.id, now=now)
    pages = max(1, -(-counts.total // BOOK_PER_PAGE))
    page = max(1, min(request.args.get("page", 1, type=int), pages))
    rows = [
        (card, qtype, content.first_words(stem, 80), as_utc(card.due_at) <= now)
        for card, qtype, stem in db.session.execute(
            queries.mistake_book(current_user.id)
            .limit(BOOK_PER_PAGE)
            .offset((page - 1) * BOOK_PER_PAGE)
        )
    ]
    return render_template(
        "quizzes/mistakes/book.html",
        counts=counts,
        rows=rows,
        page=page,
        pages=pages,
        next_due_at=mistakes.next_due_at(db.session, user_id=current_user.id),
    )


@bp.get("/mistakes/review")
@login_required
def mistakes_review():
    """The next card due, as a question to answer; or "nothing due" and when the next one is."""
    now = clock.now_utc()
    card = mistakes.next_due(db.session, user_id=current_user.id, now=now)
    if card is None:
        return render_template(
            "quizzes/mistakes/done.html",
            next_due_at=mistakes.next_due_at(db.session, user_id=current_user.id),
        )
    card, version = mistakes.load_card(db.session, card.id, user_id=current_user.id)
    return render_template(
        "quizzes/mistakes/review.html",
        card=card,
        view=mistakes.present(version),
        due=mistakes.due_count(db.session, user_id=current_user.id, now=now),
        form=ReviewAnswerForm(reviews=card.review_count),
    )


@bp.post("/mistakes/<int:card_id>/review")
@login_required
def mistakes_answer(card_id: int):
    """Check the answer; the page shows the verdict, the right answer and the explanation."""
    now = clock.now_utc()
    card, version = mistakes.load_card(db.session, card_id, user_id=current_user.id)
    form = ReviewAnswerForm()
    if not form.validate_on_submit():
        flash(_("The form had expired. Please answer again."), "error")
        return redirect(url_for("quizzes.mistakes_review"))
    try:
        result = mistakes.review_card(
            db.session,
            card,
            version,
            raw_response=request.form.getlist("response"),
            expected_reviews=form.reviews.data,
            now=now,
        )
    except Conflict as exc:
        db.session.rollback()  # not refused(): an answered card is news, not an error
        flash(str(exc), "info")
        return redirect(url_for("quizzes.mistakes_review"))
    except DomainError as exc:
        return refused(exc, url_for("quizzes.mistakes_review"))
    return render_template(
        "quizzes/mistakes/feedback.html",
        result=result,
        due=mistakes.due_count(db.session, user_id=current_user.id, now=now),
    )
