"""A committee's own score dimensions: staff add them, enter or import a quarter's values, and
see the scores of a scheme of its own with every dimension explained."""

from __future__ import annotations

import tempfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from studyhub.core import clock
from studyhub.core.errors import DomainError
from studyhub.extensions import db
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.reports import access
from studyhub.reports.dimensions import registry
from studyhub.reports.forms import (
    ConfirmForm,
    DimensionEditForm,
    DimensionForm,
    DimensionImportForm,
)
from studyhub.reports.models import CustomDimension
from studyhub.reports.queries import custom as custom_queries
from studyhub.reports.services import custom_dimensions as custom
from studyhub.reports.views import bp
from studyhub.reports.views.common import quarter_arg
from studyhub.web.saving import committed

MAX_ENTRY_ROWS = 500


def _bands(text: str) -> list[list[str]]:
    bands = []
    for part in (text or "").replace("，", ",").split(","):
        if not part.strip():
            continue
        lower, _sep, points = part.replace("：", ":").partition(":")
        try:
            bands.append([str(Decimal(lower.strip())), str(Decimal(points.strip()))])
        except InvalidOperation:
            raise DomainError(_("Bands are written from:points, e.g. 0:60, 30:80.")) from None
    return bands


def _quarters(text: str | None) -> list[int]:
    try:
        return [int(q) for q in (text or "").replace("，", ",").split(",") if q.strip()]
    except ValueError:
        return [0]  # refused by the service with its message


def _mapping(form: DimensionForm | DimensionEditForm) -> dict[str, object]:
    kind = form.mapping.data
    if kind == "bands":
        return {"kind": "bands", "bands": _bands(form.bands.data)}
    if kind == "table":
        return {
            "kind": "table",
            "table": {"excellent": 100, "qualified": 80, "basic": 60, "unqualified": 0},
        }
    return {"kind": "scale", "out_of": str(form.out_of.data or 100)}


@bp.route("/committees/<int:committee_id>/dimensions", methods=["GET", "POST"])
@login_required
def committee_dimensions(committee_id: int):
    committee = access.load_unit(committee_id, access.require_manage_scores, UnitKind.COMMITTEE)
    form = DimensionForm()
    if form.validate_on_submit():
        quarters = _quarters(form.quarters.data)
        try:
            custom.add_dimension(
                db.session,
                committee,
                name=form.name.data,
                weight=form.weight.data,
                source=form.source.data,
                mapping=_mapping(form),
                scheme=(form.scheme.data or registry.QUARTERLY).strip(),
                computed_from=form.computed_from.data or None,
                quarters=quarters,
                actor_id=current_user.id,
                now=clock.now_utc(),
            )
        except DomainError as exc:
            form.form_errors.append(str(exc))
        else:
            return committed(
                _("Dimension added."),
                url_for("reports.committee_dimensions", committee_id=committee.id),
            )
    rows = db.session.scalars(custom_queries.custom_dimensions_of(committee.id)).all()
    schemes = sorted({d.scheme for d in rows} - {registry.QUARTERLY})
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "reports/dimensions/committee.html",
        committee=committee,
        form=form,
        dimensions=rows,
        schemes=schemes,
        quarter=quarter_arg(committee, clock.now_utc()),
    ), status


def _dimension(dimension_id: int) -> tuple[CustomDimension, OrgUnit]:
    dimension = db.session.get(CustomDimension, dimension_id)
    if dimension is None:
        abort(404)
    committee = access.load_unit(
        dimension.committee_id, access.require_manage_scores, UnitKind.COMMITTEE
    )
    return dimension, committee


@bp.route("/dimensions/<int:dimension_id>/edit", methods=["GET", "POST"])
@login_required
def edit_dimension(dimension_id: int):
    """Change a dimension's name, weight, points and quarters; remove it (below)."""
    dimension, committee = _dimension(dimension_id)
    form = _edit_form(dimension) if request.method == "GET" else DimensionEditForm()
    back = url_for("reports.committee_dimensions", committee_id=committee.id)
    if form.validate_on_submit():
        try:
            custom.edit_dimension(
                db.session,
                committee,
                dimension,
                name=form.name.data,
                weight=form.weight.data,
                mapping=_mapping(form),
                quarters=_quarters(form.quarters.data),
                actor_id=current_user.id,
                now=clock.now_utc(),
            )
        except DomainError as exc:
            form.form_errors.append(str(exc))
        else:
            return committed(_("Dimension saved."), back)
    status = 400 if form.errors or form.form_errors else 200
    return _edit_page(committee, dimension, form, ConfirmForm(), status=status)


def _edit_form(dimension: CustomDimension) -> DimensionEditForm:
    """The form filled with the dimension as it is (never with the request's fields)."""
    mapping = dimension.mapping or {}
    return DimensionEditForm(
        formdata=None,
        data={
            "name": dimension.name,
            "weight": dimension.weight,
            "mapping": mapping.get("kind", "scale"),
            "out_of": Decimal(str(mapping.get("out_of", 100))),
            "bands": ", ".join(f"{low}:{points}" for low, points in mapping.get("bands", [])),
            "quarters": ",".join(map(str, dimension.quarters or [])),
        },
    )


def _edit_page(
    committee: OrgUnit,
    dimension: CustomDimension,
    form: DimensionEditForm,
    remove_form: ConfirmForm,
    *,
    status: int,
    error: str | None = None,
):
    return render_template(
        "reports/dimensions/edit.html",
        committee=committee,
        dimension=dimension,
        form=form,
        remove_form=remove_form,
        built_upon=custom.is_built_upon(db.session, committee, dimension),
        error=error,
    ), status


@bp.post("/dimensions/<int:dimension_id>/remove")
@login_required
def remove_dimension(dimension_id: int):
    """Delete the dimension, or archive it once a closed quarter or a competition counts it."""
    dimension, committee = _dimension(dimension_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    back = url_for("reports.committee_dimensions", committee_id=committee.id)
    try:
        outcome = custom.remove_dimension(
            db.session, committee, dimension, actor_id=current_user.id, now=clock.now_utc()
        )
    except DomainError as exc:
        return _edit_page(
            committee, dimension, _edit_form(dimension), form, status=400, error=str(exc)
        )
    message = _("Dimension archived.") if outcome == "archived" else _("Dimension removed.")
    return committed(message, back)


@bp.route("/dimensions/<int:dimension_id>/values", methods=["GET", "POST"])
@login_required
def dimension_values(dimension_id: int):
    """Enter a quarter's values per member (one branch at a time), or import them."""
    dimension, committee = _dimension(dimension_id)
    now = clock.now_utc()
    quarter = quarter_arg(committee, now)
    branches = db.session.execute(custom_queries.branches_of(committee.id)).all()
    branch_id = request.args.get("branch", type=int) or (branches[0].id if branches else 0)
    members = db.session.execute(
        custom_queries.branch_members(committee.id, branch_id).limit(MAX_ENTRY_ROWS)
    ).all()
    current = registry.SOURCES[dimension.source](db.session, dimension, quarter, committee.path)
    form = DimensionImportForm()
    errors: list[str] = []
    problems: list[custom.ImportProblem] = []
    here = url_for(
        "reports.dimension_values",
        dimension_id=dimension.id,
        quarter=quarter.label,
        branch=branch_id,
    )
    if request.method == "POST":
        try:
            if "file" in request.files and form.validate_on_submit():
                with tempfile.TemporaryDirectory() as folder:
                    path = Path(folder) / "values.xlsx"
                    form.file.data.save(path)
                    count = custom.import_values(
                        db.session,
                        committee,
                        dimension,
                        quarter,
                        path,
                        actor_id=current_user.id,
                        now=now,
                    )
                return committed(_("%(count)d values imported.", count=count), here)
            if "file" not in request.files:
                values = {m.id: request.form.get(f"value_{m.id}", "").strip() for m in members}
                count = custom.enter_values(
                    db.session,
                    committee,
                    dimension,
                    quarter,
                    {u: v for u, v in values.items() if v},
                    actor_id=current_user.id,
                    now=now,
                )
                return committed(_("%(count)d values saved.", count=count), here)
        except custom.ImportRefused as exc:
            errors.append(str(exc))
            problems = exc.problems
        except DomainError as exc:
            errors.append(str(exc))
    status = 400 if errors or form.errors else 200
    return render_template(
        "reports/dimensions/values.html",
        committee=committee,
        dimension=dimension,
        quarter=quarter,
        branches=branches,
        branch_id=branch_id,
        members=members,
        current=current,
        form=form,
        errors=errors,
        problems=problems,
    ), status


@bp.get("/committees/<int:committee_id>/schemes/<scheme>")
@login_required
def scheme_scores(committee_id: int, scheme: str):
    """A scheme's scores for the quarter: rank, total and every dimension's points."""
    committee = access.load_unit(committee_id, access.require_manage_scores, UnitKind.COMMITTEE)
    quarter = quarter_arg(committee, clock.now_utc())
    if not registry.scheme_dimensions(db.session, committee.id, scheme):
        abort(404)
    scores = custom.scheme_scores(db.session, committee, scheme, quarter, committee)
    return render_template(
        "reports/dimensions/scheme.html",
        committee=committee,
        scheme=scheme,
        quarter=quarter,
        dimensions=custom.scheme_columns(db.session, committee, scheme, quarter),
        scores=scores,
    )
