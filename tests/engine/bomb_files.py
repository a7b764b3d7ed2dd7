"""Small files that inflate enormously: an .xlsx whose texts unpack to 70 MB, and an ONNX
model whose metadata unpacks to 70 MB. Made by streaming, in about a second each."""

from __future__ import annotations

import base64
import zipfile
import zlib
from pathlib import Path

CHUNK = b"<si><t>a</t></si>" * 65536  # about 1 MB of tiny shared strings


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006"
TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
PARTS = {
    "[Content_Types].xml": f'''<?xml version="1.0"?><Types xmlns="{PACKAGE}/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="{TYPE}.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{TYPE}.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="{TYPE}.sharedStrings+xml"/>
</Types>''',
    "_rels/.rels": f'''<?xml version="1.0"?><Relationships xmlns="{PACKAGE}/relationships">
<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/>
</Relationships>''',
    "xl/workbook.xml": f'''<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="{RELS}">
<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>''',
    "xl/_rels/workbook.xml.rels": f'''<?xml version="1.0"?>
<Relationships xmlns="{PACKAGE}/relationships">
<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>''',
    "xl/worksheets/sheet1.xml": f'''<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row>
</sheetData></worksheet>''',
}


def xlsx_bomb(path: Path, megabytes: int = 70) -> None:
    """A workbook whose shared strings are ``megabytes`` MB of one-letter texts."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        for name, text in PARTS.items():
            book.writestr(name, text)
        with book.open("xl/sharedStrings.xml", "w", force_zip64=True) as strings:
            strings.write(f'<?xml version="1.0"?><sst xmlns="{MAIN}">'.encode())
            for _ in range(megabytes):
                strings.write(CHUNK)
            strings.write(b"</sst>")


def onnx_metadata_bomb(model: Path, path: Path, megabytes: int = 70) -> None:
    """A copy of ``model`` whose packed metadata inflates to ``megabytes`` MB of spaces."""
    import onnx

    from engine.export.metadata import FULL_KEY

    proto = onnx.load(str(model))
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b" " * 2**20
    packed = b"".join(packer.compress(block) for _ in range(megabytes)) + packer.flush()
    for prop in proto.metadata_props:
        if prop.key == FULL_KEY:
            prop.value = base64.b64encode(packed).decode("ascii")
    onnx.save(proto, str(path))
