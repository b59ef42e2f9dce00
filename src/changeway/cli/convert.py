"""``changeway convert``: Salesforce source format <-> Metadata API format."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from changeway.domain.errors import ChangewayError


def convert(
    src: Path = typer.Argument(..., help="SFDX project, package folder, mdapi folder or .zip"),
    out: Path = typer.Argument(..., help="new or empty output folder (a .zip file with --zip)"),
    to: str = typer.Option(..., "--to", help="target format: mdapi or source"),
    zip_: bool = typer.Option(False, "--zip", help="write the Metadata API output as a zip"),
    manifest: Path | None = typer.Option(
        None, "--manifest", help="convert only what this package.xml names"
    ),
    strict: bool = typer.Option(
        False, "--strict", help="fail on files of unknown types and files that are not metadata"
    ),
    json_: bool = typer.Option(False, "--json", help="print the result as JSON"),
) -> None:
    """Convert metadata between source format and Metadata API format, like `sf project convert`."""
    # Imported here so that `changeway --help` and other commands start fast.
    from rich.console import Console
    from rich.markup import escape

    from changeway.services.conversion import TARGETS
    from changeway.services.conversion import convert as run

    errors = Console(stderr=True, soft_wrap=True)
    try:
        if to not in TARGETS:
            raise ChangewayError(f"--to must be one of {', '.join(TARGETS)}")
        if zip_ and to != "mdapi":
            raise ChangewayError("--zip applies to --to mdapi only")
        report = run(src, out, to=to, zip=zip_, manifest=manifest, strict=strict)
    except ChangewayError as error:
        errors.print(f"[red]error:[/red] {escape(str(error))}", highlight=False)
        raise typer.Exit(1) from None
    if json_:
        data = {
            "to": report.to,
            "out": str(report.out),
            "components": report.components,
            "files": len(report.files),
            "skipped": report.skipped,
            "warnings": [str(w) for w in report.warnings],
        }
        typer.echo(json.dumps(data))
        return
    console = Console(soft_wrap=True)
    console.print(
        f"Converted {report.components} components into {len(report.files)} files "
        f"({report.to}) at {report.out}"
    )
    for warning in report.warnings:
        errors.print(f"[yellow]warning:[/yellow] {escape(str(warning))}", highlight=False)
    for path in report.skipped:
        console.print(f"[yellow]not metadata, skipped:[/yellow] {escape(path)}", highlight=False)


if __name__ == "__main__":
    typer.run(convert)
