"""Staff pages of banks and their categories."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required
from wtforms import SelectChoice

from studyhub.core import clock
from studyhub.extensions import db
from studyhub.quizzes import queries
from studyhub.quizzes.access import load_bank, load_category
from studyhub.quizzes.forms import (
    BankForm,
    CategoryForm,
    MoveCategoryForm,
    QuestionFilterForm,
    RenameCategoryForm,
)
from studyhub.quizzes.models import Category, QuestionType
from studyhub.quizzes.services import bank as bank_service
from studyhub.quizzes.views import bp, managed_committee, managed_committees
from studyhub.quizzes.views.bank.common import (
    PER_PAGE,
    category_choices,
)
from studyhub.web.pagination import paginate
from studyhub.web.saving import committed, errors_on, run_button

# Banks -------------------------------------------------------------------------------------


@bp.get("/banks/")
@login_required
def bank_committees():
    """Where staff start: the banks of their committee (or a choice of committees)."""
    committees = managed_committees()
    if len(committees) == 1:
        return redirect(url_for("quizzes.banks", committee_id=committees[0].id))
    return render_template("quizzes/bank/committees.html", committees=committees)


@bp.route("/committees/<int:committee_id>/banks", methods=["GET", "POST"])
@login_required
def banks(committee_id: int):
    committee = managed_committee(committee_id)
    form = BankForm()
    if form.validate_on_submit():
        with errors_on(form, form.name):
            bank = bank_service.create_bank(
                db.session,
                committee,
                name=form.name.data,
                description=form.description.data or "",
                now=clock.now_utc(),
            )
            return committed(
                _("The bank %(name)s was created.", name=bank.name),
                url_for("quizzes.bank", bank_id=bank.id),
            )
    rows = db.session.execute(queries.banks_of(committee.id)).all()
    return render_template("quizzes/bank/banks.html", committee=committee, rows=rows, form=form)


@bp.get("/banks/<int:bank_id>")
@login_required
def bank(bank_id: int):
    """The bank: its categories and its questions, searched and filtered."""
    bank, committee = load_bank(bank_id)
    tree = bank_service.category_tree(db.session, bank)
    form = QuestionFilterForm(request.args)
    form.category.choices = category_choices(tree, _("All categories"))
    tags = db.session.execute(queries.bank_tags(bank.id)).all()
    form.tag.choices = [SelectChoice("", _("All tags")), *(SelectChoice(n, n) for n, _c in tags)]
    where = queries.QuestionFilter()
    if form.validate():
        chosen = next((node for node in tree if node.id == form.category.data), None)
        where = queries.QuestionFilter(
            text=form.q.data or "",
            category_path=chosen.path if chosen else None,
            qtype=QuestionType(form.qtype.data) if form.qtype.data else None,
            tag=form.tag.data or None,
            difficulty=form.difficulty.data or None,
            is_retired={"live": False, "retired": True}.get(form.status.data),
        )
    page = paginate(
        db.session,
        queries.bank_questions(bank.id, where),
        request.args.get("page", 1, type=int),
        PER_PAGE,
    )
    filters = {
        key: value
        for key, value in request.args.items()
        if key != "page" and value not in ("", "0")
    }
    if filters.get("status") == "live":
        filters.pop("status")
    return render_template(
        "quizzes/bank/bank.html",
        committee=committee,
        bank=bank,
        tree=tree,
        form=form,
        page=page,
        filters=filters,
        tags_by_question=bank_service.tags_of(db.session, [q.id for q in page.items]),
        category_labels={node.id: node.label for node in tree},
        bank_form=BankForm(obj=bank),
    )


@bp.post("/banks/<int:bank_id>/edit")
@login_required
def edit_bank(bank_id: int):
    bank, _committee = load_bank(bank_id)
    form = BankForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("quizzes.bank", bank_id=bank.id))
    return run_button(
        lambda: bank_service.update_bank(
            db.session,
            bank,
            name=form.name.data,
            description=form.description.data or "",
            # only when the page showed the rules: another form leaves them as they are
            match_rules=form.match_rules.data if "match_rules_shown" in request.form else None,
        ),
        _("Saved."),
        url_for("quizzes.bank", bank_id=bank.id),
    )


# Categories --------------------------------------------------------------------------------


@bp.route("/banks/<int:bank_id>/categories", methods=["GET", "POST"])
@login_required
def categories(bank_id: int):
    """The category tree: add by path, rename, move."""
    bank, committee = load_bank(bank_id)
    form = CategoryForm()
    if form.validate_on_submit():
        with errors_on(form, form.path):
            category = bank_service.ensure_category(db.session, bank, form.path.data)
            return committed(
                _("The category %(name)s is ready.", name=form.path.data.strip()),
                url_for("quizzes.categories", bank_id=bank.id, _anchor=f"c{category.id}"),
            )
    tree = bank_service.category_tree(db.session, bank)
    return render_template(
        "quizzes/bank/categories.html",
        committee=committee,
        bank=bank,
        tree=tree,
        form=form,
        move_choices=[(0, _("(top level)")), *((node.id, node.label) for node in tree)],
    )


@bp.post("/categories/<int:category_id>/rename")
@login_required
def rename_category(category_id: int):
    category, bank, _committee = load_category(category_id)
    form = RenameCategoryForm()
    if not form.validate_on_submit():
        abort(400)
    return run_button(
        lambda: bank_service.rename_category(db.session, category, name=form.name.data),
        _("Renamed."),
        url_for("quizzes.categories", bank_id=bank.id, _anchor=f"c{category_id}"),
    )


@bp.post("/categories/<int:category_id>/move")
@login_required
def move_category(category_id: int):
    category, bank, _committee = load_category(category_id)
    form = MoveCategoryForm()
    form.parent_id.choices = [
        SelectChoice(0, ""),
        *(SelectChoice(c.id, c.name) for c in db.session.scalars(queries.categories_of(bank.id))),
    ]
    if not form.validate_on_submit():
        abort(400)
    parent = db.session.get(Category, form.parent_id.data) if form.parent_id.data else None
    return run_button(
        lambda: bank_service.move_category(db.session, category, parent=parent),
        _("Moved."),
        url_for("quizzes.categories", bank_id=bank.id, _anchor=f"c{category_id}"),
    )
