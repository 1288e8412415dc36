"""Organisation: committees, general branches, branches, Party groups, members and roles.

It owns the organisation tree (a materialised path on every unit and member so
"everyone under this node" is one indexed range query), the member roster and
its import, role appointments, and ``access`` — the one module that decides
who may see and change which part of the tree.
"""
