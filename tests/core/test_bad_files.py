"""Every bad file of the corpus (tests/core/bad_files.py) gives exactly its message, in Thai with English."""

from __future__ import annotations

import pytest

from ita_monitor.submissions import parse_submission
from tests.core.bad_files import AGENCY, PLAN, corpus

# name -> every problem as (where, Thai, English); the file name is always the one given
EXPECTED: dict[str, list[tuple[str, str, str]]] = {
    "unknown_code": [
        (
            "sheet 'Sheet', row 2, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'M9' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'M9' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
    ],
    "unknown_title": [
        (
            "row 2, column B (มาตรการ)",
            "ไม่พบมาตรการ 'มาตรการที่ไม่มี' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'มาตรการที่ไม่มี' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
    ],
    "not_due": [
        (
            "sheet 'Sheet', row 2, column A (รหัสมาตรการ)",
            "มาตรการ M1 ไม่ต้องรายงานในรอบ ๓ เดือน: ลบแถวนี้ออก",
            "measure M1 does not report in the 3-month round: remove this row",
        ),
    ],
    "not_responsible": [
        (
            "sheet 'Sheet', row 2, column A (รหัสมาตรการ)",
            "หน่วยงาน palad ไม่ได้รับผิดชอบมาตรการ M2: ลบแถวนี้ ผู้รับผิดชอบคือ pr",
            "unit palad is not responsible for measure M2: remove this row; it is reported by pr",
        ),
    ],
    "duplicate_rows": [
        (
            "sheet 'Sheet', row 4",
            "มาตรการ M1 ซ้ำกับ sheet 'Sheet', row 2: เหลือไว้แถวเดียว",
            "measure M1 repeats sheet 'Sheet', row 2: keep one row",
        ),
    ],
    "missing_required": [
        (
            "sheet 'Sheet', row 2, column D (ระยะเวลาการดำเนินงาน)",
            "ยังไม่กรอกระยะเวลาการดำเนินงานของมาตรการ M1: กรอกให้ครบ หรือเว้นว่างทั้งแถวถ้ายังไม่รายงานรอบนี้",
            "period of measure M1 is empty: fill it in, or leave the whole row empty if you do not report it yet",
        ),
        (
            "sheet 'Sheet', row 2, column E (ผลผลิต)",
            "ยังไม่กรอกผลผลิตของมาตรการ M1: กรอกให้ครบ หรือเว้นว่างทั้งแถวถ้ายังไม่รายงานรอบนี้",
            "output of measure M1 is empty: fill it in, or leave the whole row empty if you do not report it yet",
        ),
    ],
    "unreadable_date": [
        (
            "sheet 'Sheet', row 2, column D (ระยะเวลาการดำเนินงาน)",
            "วันที่ '31/02/2565' อ่านไม่ได้หรือไม่มีอยู่จริง: เขียนเป็น วัน/เดือน/ปี พ.ศ. เช่น 15/04/2565 หรือเป็นข้อความ เช่น เดือนเมษายน",
            "the date '31/02/2565' cannot be read or does not exist: write day/month/year (BE), e.g. 15/04/2565, or text such as a month name",
        ),
    ],
    "unreadable_iso_date": [
        (
            "rows[0].period",
            "วันที่ '2022-13-01' อ่านไม่ได้หรือไม่มีอยู่จริง: เขียนเป็น วัน/เดือน/ปี พ.ศ. เช่น 15/04/2565 หรือเป็นข้อความ เช่น เดือนเมษายน",
            "the date '2022-13-01' cannot be read or does not exist: write day/month/year (BE), e.g. 15/04/2565, or text such as a month name",
        ),
    ],
    "formula_cell": [
        (
            "sheet 'Sheet', row 2, column E (ผลผลิต)",
            "ช่องนี้เป็นสูตร: คัดลอกแล้ววางแบบค่า (Paste Special > Values) หรือพิมพ์ข้อความแทน",
            "this cell holds a formula: copy it and paste as values only, or type the text",
        ),
    ],
    "formula_in_csv": [
        (
            "row 2, column E (ผลผลิต)",
            "ช่องนี้เป็นสูตร: คัดลอกแล้ววางแบบค่า (Paste Special > Values) หรือพิมพ์ข้อความแทน",
            "this cell holds a formula: copy it and paste as values only, or type the text",
        ),
    ],
    "error_value_cell": [
        (
            "sheet 'Sheet', row 2, column E (ผลผลิต)",
            "ช่องนี้มีค่าผิดพลาด #REF!: แก้ให้เป็นข้อความ",
            "this cell holds the error value #REF!: replace it with text",
        ),
    ],
    "too_big": [
        (
            "",
            "ไฟล์ใหญ่เกิน 5 MB (5,242,881 ไบต์): ส่งเฉพาะตารางผล ใส่หลักฐานเป็นลิงก์แทนการแนบ",
            "the file is larger than 5 MB (5,242,881 bytes): send only the results table and give evidence as links",
        ),
    ],
    "pdf_named_xlsx": [
        (
            "",
            "ไฟล์นี้ไม่ใช่ .xlsx ตามนามสกุล แต่เป็นไฟล์ PDF: เปิดในโปรแกรมตารางคำนวณแล้วบันทึกเป็น .xlsx (Excel Workbook) ใหม่",
            "the file is not a .xlsx file as its name says but a PDF: open it and save it again as .xlsx (Excel Workbook) without a password",
        ),
    ],
    "csv_named_xlsx": [
        (
            "",
            "ไฟล์นี้ไม่ใช่ .xlsx ตามนามสกุล แต่เป็นไฟล์ข้อความ: เปิดในโปรแกรมตารางคำนวณแล้วบันทึกเป็น .xlsx (Excel Workbook) ใหม่",
            "the file is not a .xlsx file as its name says but a text file: open it and save it again as .xlsx (Excel Workbook) without a password",
        ),
    ],
    "old_xls_named_xlsx": [
        (
            "",
            "ไฟล์นี้ไม่ใช่ .xlsx ตามนามสกุล แต่เป็นไฟล์ Excel รุ่นเก่า (.xls) หรือไฟล์ที่ตั้งรหัสผ่าน: เปิดในโปรแกรมตารางคำนวณแล้วบันทึกเป็น .xlsx (Excel Workbook) ใหม่",
            "the file is not a .xlsx file as its name says but an old Excel .xls or a password-protected file: open it and save it again as .xlsx (Excel Workbook) without a password",
        ),
    ],
    "xlsx_named_csv": [
        (
            "",
            "ไฟล์นี้ไม่ใช่ .csv ตามนามสกุล แต่เป็นไฟล์ zip (เช่น .xlsx หรือ .docx): เปิดในโปรแกรมตารางคำนวณแล้วบันทึกเป็น .xlsx (Excel Workbook) ใหม่",
            "the file is not a .csv file as its name says but a zip archive (such as .xlsx or .docx): open it and save it again as .xlsx (Excel Workbook) without a password",
        ),
    ],
    "zip_named_json": [
        (
            "",
            "ไฟล์นี้ไม่ใช่ .json ตามนามสกุล แต่เป็นไฟล์ zip (เช่น .xlsx หรือ .docx): เปิดในโปรแกรมตารางคำนวณแล้วบันทึกเป็น .xlsx (Excel Workbook) ใหม่",
            "the file is not a .json file as its name says but a zip archive (such as .xlsx or .docx): open it and save it again as .xlsx (Excel Workbook) without a password",
        ),
    ],
    "docx_named_xlsx": [
        (
            "",
            "ไฟล์นี้ไม่ใช่ .xlsx ตามนามสกุล แต่เป็นไฟล์ zip (เช่น .xlsx หรือ .docx): เปิดในโปรแกรมตารางคำนวณแล้วบันทึกเป็น .xlsx (Excel Workbook) ใหม่",
            "the file is not a .xlsx file as its name says but a zip archive (such as .xlsx or .docx): open it and save it again as .xlsx (Excel Workbook) without a password",
        ),
    ],
    "damaged_zip": [
        (
            "",
            "ไฟล์ .xlsx เสียหาย เปิดไม่ได้: บันทึกจากโปรแกรมตารางคำนวณใหม่แล้วส่งอีกครั้ง",
            "the .xlsx file is damaged and cannot be opened (File is not a zip file): save it again and resend",
        ),
    ],
    "xlsm_extension": [
        (
            "",
            "ไม่รับไฟล์ที่มีมาโคร (.xlsm/VBA): บันทึกเป็น .xlsx (Excel Workbook) แล้วส่งใหม่",
            "macro-enabled workbooks (.xlsm/VBA) are not accepted: save as .xlsx (Excel Workbook) and send again",
        ),
    ],
    "vba_project_inside": [
        (
            "",
            "ไม่รับไฟล์ที่มีมาโคร (.xlsm/VBA): บันทึกเป็น .xlsx (Excel Workbook) แล้วส่งใหม่",
            "macro-enabled workbooks (.xlsm/VBA) are not accepted: save as .xlsx (Excel Workbook) and send again",
        ),
    ],
    "macro_content_type": [
        (
            "",
            "ไม่รับไฟล์ที่มีมาโคร (.xlsm/VBA): บันทึกเป็น .xlsx (Excel Workbook) แล้วส่งใหม่",
            "macro-enabled workbooks (.xlsm/VBA) are not accepted: save as .xlsx (Excel Workbook) and send again",
        ),
    ],
    "zip_bomb_ratio": [
        (
            "",
            "ไฟล์ถูกบีบอัดผิดปกติ (zip bomb) จึงไม่เปิดอ่าน: บันทึกแบบฟอร์มใหม่จากโปรแกรมตารางคำนวณแล้วส่งอีกครั้ง",
            "the file is compressed abnormally (a zip bomb) and was not opened: save the form again from a spreadsheet program and resend",
        ),
    ],
    "zip_bomb_members": [
        (
            "",
            "ไฟล์ถูกบีบอัดผิดปกติ (zip bomb) จึงไม่เปิดอ่าน: บันทึกแบบฟอร์มใหม่จากโปรแกรมตารางคำนวณแล้วส่งอีกครั้ง",
            "the file is compressed abnormally (a zip bomb) and was not opened: save the form again from a spreadsheet program and resend",
        ),
    ],
    "zip_bomb_lying_sizes": [  # declared sizes bound what is inflated; the CRC check then fails
        (
            "",
            "เปิดไฟล์ไม่ได้ ไฟล์อาจเสียหรือไม่ใช่ชนิดตามนามสกุล: บันทึกจากโปรแกรมตารางคำนวณใหม่แล้วส่งอีกครั้ง",
            "cannot read the file; it may be damaged or not what its extension says (Bad CRC-32 for file "
            "'xl/worksheets/sheet1.xml'): save it again and resend",
        ),
    ],
    "no_header": [
        (
            "header",
            "ไม่พบแถวหัวตาราง ต้องมีคอลัมน์: รหัสมาตรการ, มาตรการ, สถานะ, รายละเอียดการดำเนินงาน, ระยะเวลาการดำเนินงาน, ผลผลิต, ผลลัพธ์, หมายเหตุ, ลิงก์หลักฐาน: ใช้แบบฟอร์มที่ส่งให้ หรือคัดลอกหัวตารางจากแบบฟอร์ม",
            "no header row found in the first 10 rows of any sheet; expected columns: รหัสมาตรการ, มาตรการ, สถานะ, รายละเอียดการดำเนินงาน, ระยะเวลาการดำเนินงาน, ผลผลิต, ผลลัพธ์, หมายเหตุ, ลิงก์หลักฐาน: use the form you were sent, or copy its header row",
        ),
    ],
    "unsupported_type": [
        (
            "",
            "ไม่รับไฟล์ชนิด .docx: ใช้ .xlsx .csv หรือ .json",
            "unsupported file type .docx: send .xlsx, .csv or .json",
        ),
    ],
    "empty_file": [
        ("", "ไฟล์ว่างเปล่า: ส่งไฟล์ใหม่", "the file is empty: send it again"),
    ],
    "binary_named_csv": [
        (
            "",
            "ไฟล์นี้ไม่ใช่ .csv ตามนามสกุล แต่เป็นไฟล์ไบนารี: เปิดในโปรแกรมตารางคำนวณแล้วบันทึกเป็น .xlsx (Excel Workbook) ใหม่",
            "the file is not a .csv file as its name says but a binary file: open it and save it again as .xlsx (Excel Workbook) without a password",
        ),
    ],
    "unreadable_json": [
        (
            "",
            "ไฟล์ JSON อ่านไม่ได้: ตรวจเครื่องหมายวงเล็บ จุลภาค และเครื่องหมายคำพูด และบันทึกเป็น UTF-8",
            "unreadable JSON (Expecting property name enclosed in double quotes: line 1 column 16 (char 15)): check brackets, commas and quotes, and save as UTF-8",
        ),
    ],
    "json_not_rows": [
        (
            "",
            'JSON ต้องเป็นรายการ หรือมี "rows" เป็นรายการ',
            'JSON must be a list of rows or an object with a "rows" list',
        ),
    ],
    "json_unknown_field": [
        (
            "rows[0].colour",
            "ไม่รู้จักช่อง colour: ใช้ชื่อช่อง รหัสมาตรการ, มาตรการ, สถานะ, รายละเอียดการดำเนินงาน, ระยะเวลาการดำเนินงาน, ผลผลิต, ผลลัพธ์, หมายเหตุ, ลิงก์หลักฐาน",
            "unknown field colour: use one of code, measure, status, details, period, output, outcome, note, evidence",
        ),
    ],
    "unknown_unit_folder": [
        (
            "",
            "ไม่รู้จักหน่วยงานย่อย nobody: ตรวจชื่อโฟลเดอร์ใน inbox (ใช้ได้: education, finance, palad, pr, works)",
            "unknown unit nobody: check the inbox folder name (known units: education, finance, palad, pr, works)",
        ),
    ],
    "form_of_another_unit": [
        (
            "sheet 'แบบรายงาน', row 2, column B (รหัสหน่วยงาน)",
            "แบบฟอร์มนี้เป็นของหน่วยงาน finance แต่ส่งมาในโฟลเดอร์ของ palad: ใช้แบบฟอร์มของหน่วยงานตนเอง",
            "this form is for unit finance but was put in the folder of palad: use your own unit's form",
        ),
        (
            "sheet 'แบบรายงาน', row 6, column A (รหัสมาตรการ)",
            "หน่วยงาน palad ไม่ได้รับผิดชอบมาตรการ M4: ลบแถวนี้ ผู้รับผิดชอบคือ finance",
            "unit palad is not responsible for measure M4: remove this row; it is reported by finance",
        ),
    ],
    "bad_status": [
        (
            "sheet 'แบบรายงาน', row 6, column C (สถานะ)",
            "สถานะ 'เสร็จ' ไม่ถูกต้อง: เลือก ดำเนินการแล้ว / อยู่ระหว่างดำเนินการ / ยังไม่ดำเนินการ",
            "status 'เสร็จ' is not one of the choices: pick ดำเนินการแล้ว / อยู่ระหว่างดำเนินการ / ยังไม่ดำเนินการ from the list",
        ),
    ],
    "blank_form_returned": [
        (
            "",
            "ไม่มีแถวที่กรอกผลไว้: กรอกผลอย่างน้อยหนึ่งมาตรการแล้วส่งใหม่",
            "no row has results filled in: fill in at least one measure and send again",
        ),
    ],
}


CASES = corpus()


def test_the_corpus_has_at_least_25_bad_files_and_each_has_an_expectation():
    assert len(CASES) >= 25
    assert [c[0] for c in CASES] == list(EXPECTED)


@pytest.mark.parametrize(("name", "file", "unit", "rnd", "data"), CASES, ids=[c[0] for c in CASES])
def test_bad_file_gives_exactly_its_message(name, file, unit, rnd, data):
    rows, problems = parse_submission(data, file, unit, PLAN, AGENCY, rnd)
    assert [(p.where, p.th, p.en) for p in problems] == EXPECTED[name]
    assert all(p.file == file and p.severity == "error" for p in problems)
    assert problems, "a bad file must be rejected"
