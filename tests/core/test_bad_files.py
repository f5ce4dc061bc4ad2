"""Every bad file of the corpus (tests/core/bad_files.py) gives exactly its message, in Thai with English."""

from __future__ import annotations

import pytest

from ita_monitor.intake.submissions import parse_submission
from tests.core.bad_files import AGENCY, PLAN, accepted_with_warnings, corpus

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
            "rows[1].period",
            "วันที่ '2022-13-01' อ่านไม่ได้หรือไม่มีอยู่จริง: เขียนเป็น วัน/เดือน/ปี พ.ศ. เช่น 15/04/2565 หรือเป็นข้อความ เช่น เดือนเมษายน",
            "the date '2022-13-01' cannot be read or does not exist: write day/month/year (BE), e.g. 15/04/2565, or text such as a month name",
        )
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
            "the file is not a .xlsx file as its name says but a PDF: open it and save it again as .xlsx (Excel Workbook)",
        ),
    ],
    "csv_named_xlsx": [
        (
            "",
            "ไฟล์นี้ไม่ใช่ .xlsx ตามนามสกุล แต่เป็นไฟล์ข้อความ: ถ้าเป็นตาราง CSV ให้เปลี่ยนนามสกุลเป็น .csv ถ้าไม่ใช่ ให้เปิดในโปรแกรมตารางคำนวณแล้วบันทึกเป็น .xlsx (Excel Workbook) ใหม่",
            "the file is not a .xlsx file as its name says but a text file: if it is a CSV table, name it .csv; otherwise open it and save it again as .xlsx (Excel Workbook)",
        ),
    ],
    "old_xls_named_xlsx": [
        (
            "",
            "ไฟล์นี้ไม่ใช่ .xlsx ตามนามสกุล แต่เป็นไฟล์ Excel รุ่นเก่า (.xls) หรือไฟล์ที่ตั้งรหัสผ่าน: เปิดในโปรแกรมตารางคำนวณแล้วบันทึกเป็น .xlsx (Excel Workbook) ใหม่ โดยไม่ตั้งรหัสผ่าน",
            "the file is not a .xlsx file as its name says but an old Excel .xls or a password-protected file: open it and save it again as .xlsx (Excel Workbook) without a password",
        ),
    ],
    "xlsx_named_csv": [
        (
            "",
            "ไฟล์นี้ไม่ใช่ .csv ตามนามสกุล แต่เป็นไฟล์ zip (เช่น .xlsx หรือ .docx): ถ้าเป็นแบบฟอร์ม Excel ให้เปลี่ยนนามสกุลเป็น .xlsx หรือบันทึกตารางเป็น CSV (ไฟล์ข้อความ UTF-8 คั่นด้วยจุลภาค) แล้วส่งใหม่",
            "the file is not a .csv file as its name says but a zip archive (such as .xlsx or .docx): if it is the Excel form, name it .xlsx; otherwise save the table as CSV (a UTF-8 text file, comma separated) and send again",
        ),
    ],
    "zip_named_json": [
        (
            "",
            "ไฟล์นี้ไม่ใช่ .json ตามนามสกุล แต่เป็นไฟล์ zip (เช่น .xlsx หรือ .docx): ถ้าเป็นแบบฟอร์ม Excel ให้เปลี่ยนนามสกุลเป็น .xlsx หรือบันทึกเป็นไฟล์ข้อความ JSON (UTF-8) แล้วส่งใหม่",
            "the file is not a .json file as its name says but a zip archive (such as .xlsx or .docx): if it is the Excel form, name it .xlsx; otherwise save it as a JSON text file (UTF-8) and send again",
        ),
    ],
    "docx_named_xlsx": [
        (
            "",
            "ไฟล์นี้ไม่ใช่ .xlsx ตามนามสกุล แต่เป็นไฟล์ zip (เช่น .xlsx หรือ .docx): เปิดในโปรแกรมตารางคำนวณแล้วบันทึกเป็น .xlsx (Excel Workbook) ใหม่",
            "the file is not a .xlsx file as its name says but a zip archive (such as .xlsx or .docx): open it and save it again as .xlsx (Excel Workbook)",
        ),
    ],
    "damaged_zip": [
        (
            "",
            "ไฟล์ .xlsx เสียหาย เปิดไม่ได้: บันทึกจากโปรแกรมตารางคำนวณใหม่แล้วส่งอีกครั้ง",
            "the .xlsx file is damaged and cannot be opened: save it again from a spreadsheet program and resend",
        )
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
            "ไฟล์ถูกบีบอัดผิดปกติ (zip bomb: ส่วน xl/media/pad.bin ขยายได้ 1,028 เท่า; ปกติไม่เกิน 250 เท่า) จึงไม่เปิดอ่าน: บันทึกแบบฟอร์มใหม่จากโปรแกรมตารางคำนวณแล้วส่งอีกครั้ง",
            "the file is compressed abnormally (a zip bomb: part xl/media/pad.bin inflates 1,028 times; the limit is 250) and was not opened: save the form again from a spreadsheet program and resend",
        )
    ],
    "zip_bomb_members": [
        (
            "",
            "ไฟล์ .xlsx มีส่วนประกอบมากเกินไป (1,009 ส่วน; รับได้ไม่เกิน 1,000 ส่วน ไม่นับแผ่นงาน): บันทึกแบบฟอร์มใหม่โดยไม่มีรูปภาพหรือวัตถุฝัง แล้วส่งอีกครั้ง",
            "the .xlsx file has too many parts (1,009; the limit is 1,000 besides the sheets): save the form again without pictures or embedded objects and resend",
        )
    ],
    "zip_bomb_lying_sizes": [
        (
            "",
            "เปิดไฟล์ไม่ได้ ไฟล์อาจเสียหรือไม่ใช่ชนิดตามนามสกุล: บันทึกจากโปรแกรมตารางคำนวณใหม่แล้วส่งอีกครั้ง",
            "cannot read the file; it may be damaged or not what its extension says: save it again from a spreadsheet program and resend",
        )
    ],
    "no_header": [
        (
            "header",
            "ไม่พบแถวหัวตารางใน 10 แถวแรกของแผ่นงานใด ต้องมีคอลัมน์: รหัสมาตรการ, มาตรการ, สถานะ, รายละเอียดการดำเนินงาน, ระยะเวลาการดำเนินงาน, ผลผลิต, ผลลัพธ์, หมายเหตุ, ลิงก์หลักฐาน: ใช้แบบฟอร์มที่ส่งให้ หรือคัดลอกหัวตารางจากแบบฟอร์ม",
            "no header row found in the first 10 rows of any sheet; expected columns: รหัสมาตรการ, มาตรการ, สถานะ, รายละเอียดการดำเนินงาน, ระยะเวลาการดำเนินงาน, ผลผลิต, ผลลัพธ์, หมายเหตุ, ลิงก์หลักฐาน: use the form you were sent, or copy its header row",
        )
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
            "ไฟล์นี้ไม่ใช่ .csv ตามนามสกุล แต่เป็นไฟล์ไบนารี: ส่งแบบฟอร์ม .xlsx ที่ได้รับ หรือบันทึกตารางเป็น CSV (ไฟล์ข้อความ UTF-8 คั่นด้วยจุลภาค) แล้วส่งใหม่",
            "the file is not a .csv file as its name says but a binary file: send the .xlsx form you were given, or save the table as CSV (a UTF-8 text file, comma separated) and send again",
        ),
    ],
    "unreadable_json": [
        (
            "line 1, column 16",
            'ไฟล์ JSON ผิดรูปแบบที่บรรทัด 1 ตำแหน่งที่ 16: ชื่อช่องต้องอยู่ในเครื่องหมายคำพูดคู่ (") หรือมีจุลภาคเกินก่อนปิดวงเล็บ (ใกล้ \'[{"code": "M1",]\'): แก้แล้วบันทึกเป็น UTF-8',
            'invalid JSON at line 1, column 16: a field name must be in double quotes ("), or there is a comma too many before a closing bracket (near \'[{"code": "M1",]\'): fix it and save as UTF-8',
        )
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
            "rows[1].colour",
            "ไม่รู้จักช่อง colour: ใช้ชื่อช่อง รหัสมาตรการ, มาตรการ, สถานะ, รายละเอียดการดำเนินงาน, ระยะเวลาการดำเนินงาน, ผลผลิต, ผลลัพธ์, หมายเหตุ, ลิงก์หลักฐาน",
            "unknown field colour: use one of code, measure, status, details, period, output, outcome, note, evidence",
        )
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
    "semicolon_csv_wrong_header": [
        (
            "header",
            "ไม่พบแถวหัวตารางใน 10 แถวแรกของไฟล์ (อ่านแบบคั่นด้วยอัฒภาค (;); ลองแล้วทั้ง , ; แท็บ และ |) ต้องมีคอลัมน์: รหัสมาตรการ, มาตรการ, สถานะ, รายละเอียดการดำเนินงาน, ระยะเวลาการดำเนินงาน, ผลผลิต, ผลลัพธ์, หมายเหตุ, ลิงก์หลักฐาน: ใช้แบบฟอร์มที่ส่งให้ หรือคัดลอกหัวตารางจากแบบฟอร์ม",
            "no header row found in the first 10 rows of the file (read as semicolon (;) separated; comma, semicolon, tab and | were tried); expected columns: รหัสมาตรการ, มาตรการ, สถานะ, รายละเอียดการดำเนินงาน, ระยะเวลาการดำเนินงาน, ผลผลิต, ผลลัพธ์, หมายเหตุ, ลิงก์หลักฐาน: use the form you were sent, or copy its header row",
        )
    ],
    "misspelt_required_header": [
        (
            "sheet 'Sheet', row 1, column F",
            "ไม่พบคอลัมน์ ผลลัพธ์ พบ ผลลัพท์ แทน: หมายถึง ผลลัพธ์ หรือไม่ แก้หัวคอลัมน์ให้ตรงกับแบบฟอร์ม",
            "column ผลลัพธ์ not found — found ผลลัพท์: did you mean ผลลัพธ์? Correct the header to match the form",
        ),
    ],
    "misspelt_optional_header": [
        (
            "row 1, column G",
            "ไม่พบคอลัมน์ หมายเหตุ พบ หมายเหต แทน: หมายถึง หมายเหตุ หรือไม่ แก้หัวคอลัมน์ให้ตรงกับแบบฟอร์ม",
            "column หมายเหตุ not found — found หมายเหต: did you mean หมายเหตุ? Correct the header to match the form",
        ),
    ],
    "missing_required_column": [
        (
            "sheet 'Sheet', row 1",
            "ไม่พบคอลัมน์ ผลลัพธ์ ในแถวหัวตาราง: เพิ่มคอลัมน์นี้ หรือคัดลอกหัวตารางจากแบบฟอร์ม",
            "column ผลลัพธ์ (outcome) not found in the header row: add it, or copy the form's header row",
        ),
    ],
    "json_syntax_line_column": [
        (
            "line 4, column 4",
            "ไฟล์ JSON ผิดรูปแบบที่บรรทัด 4 ตำแหน่งที่ 4: ขาดเครื่องหมายจุลภาค (,) ระหว่างรายการ (ใกล้ '\"period\":'): แก้แล้วบันทึกเป็น UTF-8",
            "invalid JSON at line 4, column 4: a comma (,) is missing between items (near '\"period\":'): fix it and save as UTF-8",
        )
    ],
    "json_misspelt_field": [
        (
            "rows[1].detials",
            "ไม่รู้จักช่อง detials: หมายถึง details หรือไม่: ใช้ชื่อช่อง รหัสมาตรการ, มาตรการ, สถานะ, รายละเอียดการดำเนินงาน, ระยะเวลาการดำเนินงาน, ผลผลิต, ผลลัพธ์, หมายเหตุ, ลิงก์หลักฐาน",
            "unknown field detials: did you mean details? use one of code, measure, status, details, period, output, outcome, note, evidence",
        )
    ],
    "pdf_named_csv": [
        (
            "",
            "ไฟล์นี้ไม่ใช่ .csv ตามนามสกุล แต่เป็นไฟล์ PDF: ส่งแบบฟอร์ม .xlsx ที่ได้รับ หรือบันทึกตารางเป็น CSV (ไฟล์ข้อความ UTF-8 คั่นด้วยจุลภาค) แล้วส่งใหม่",
            "the file is not a .csv file as its name says but a PDF: send the .xlsx form you were given, or save the table as CSV (a UTF-8 text file, comma separated) and send again",
        ),
    ],
    "pdf_named_json": [
        (
            "",
            "ไฟล์นี้ไม่ใช่ .json ตามนามสกุล แต่เป็นไฟล์ PDF: ส่งแบบฟอร์ม .xlsx ที่ได้รับ หรือบันทึกเป็นไฟล์ข้อความ JSON (UTF-8) แล้วส่งใหม่",
            "the file is not a .json file as its name says but a PDF: send the .xlsx form you were given, or save it as a JSON text file (UTF-8) and send again",
        ),
    ],
    "too_many_rows": [
        (
            "row 1002",
            "ไฟล์มีแถวที่กรอกไว้เกิน 1,000 แถว จึงหยุดอ่านที่แถวนี้: แบบฟอร์มมีหนึ่งแถวต่อหนึ่งมาตรการ ลบแถวที่ซ้ำหรือไม่เกี่ยวข้องแล้วส่งใหม่",
            "the file has more than 1,000 filled rows, so reading stopped here: a form has one row per measure; remove repeated or unrelated rows and send again",
        ),
        ("row 3", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 4", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 5", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 6", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 7", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 8", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 9", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 10", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 11", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 12", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 13", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 14", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 15", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 16", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 17", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 18", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 19", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 20", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 21", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 22", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 23", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 24", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 25", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 26", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 27", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 28", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 29", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 30", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 31", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 32", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 33", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 34", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 35", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 36", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 37", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 38", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 39", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 40", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 41", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 42", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 43", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 44", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 45", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 46", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 47", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 48", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 49", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 50", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        ("row 51", "มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว", "measure M1 repeats row 2: keep one row"),
        (
            "row 52",
            "และอีก 950 รายการในลักษณะนี้ (แสดงเฉพาะ 50 รายการแรกของไฟล์) เช่น: มาตรการ M1 ซ้ำกับ row 2: เหลือไว้แถวเดียว",
            "and 950 more like this (only the first 50 problems of a file are listed), e.g.: measure M1 repeats row 2: keep one row",
        ),
    ],
    "many_problems": [
        (
            "row 2, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X0' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X0' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 3, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X1' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X1' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 4, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X2' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X2' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 5, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X3' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X3' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 6, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X4' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X4' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 7, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X5' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X5' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 8, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X6' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X6' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 9, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X7' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X7' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 10, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X8' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X8' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 11, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X9' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X9' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 12, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X10' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X10' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 13, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X11' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X11' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 14, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X12' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X12' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 15, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X13' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X13' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 16, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X14' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X14' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 17, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X15' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X15' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 18, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X16' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X16' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 19, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X17' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X17' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 20, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X18' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X18' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 21, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X19' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X19' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 22, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X20' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X20' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 23, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X21' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X21' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 24, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X22' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X22' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 25, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X23' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X23' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 26, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X24' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X24' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 27, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X25' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X25' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 28, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X26' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X26' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 29, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X27' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X27' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 30, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X28' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X28' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 31, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X29' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X29' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 32, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X30' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X30' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 33, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X31' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X31' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 34, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X32' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X32' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 35, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X33' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X33' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 36, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X34' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X34' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 37, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X35' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X35' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 38, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X36' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X36' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 39, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X37' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X37' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 40, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X38' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X38' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 41, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X39' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X39' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 42, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X40' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X40' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 43, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X41' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X41' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 44, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X42' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X42' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 45, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X43' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X43' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 46, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X44' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X44' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 47, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X45' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X45' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 48, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X46' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X46' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 49, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X47' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X47' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 50, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X48' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X48' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 51, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'X49' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'X49' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
        (
            "row 52, column A (รหัสมาตรการ)",
            "และอีก 30 รายการในลักษณะนี้ (แสดงเฉพาะ 50 รายการแรกของไฟล์) เช่น: ไม่พบมาตรการ 'X50' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "and 30 more like this (only the first 50 problems of a file are listed), e.g.: measure 'X50' is not in the 2565 plan: use a measure code from the form or the plan",
        ),
    ],
    "dots_only_name": [
        (
            "row 2, column A (รหัสมาตรการ)",
            "ไม่พบมาตรการ 'M9' ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            "measure 'M9' is not in the 2565 plan: use a measure code from the form or the plan",
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


WARNED: dict[str, list[tuple[str, str]]] = {
    "semicolon_csv": [],
    "tab_csv": [],
    "unknown_column": [
        (
            "sheet 'Sheet', row 1",
            "unknown columns H (ผู้รายงาน) were not read: the columns are รหัสมาตรการ, มาตรการ, สถานะ, รายละเอียดการดำเนินงาน, ระยะเวลาการดำเนินงาน, ผลผลิต, ผลลัพธ์, หมายเหตุ, ลิงก์หลักฐาน",
        )
    ],
    "json_numbers_and_booleans": [
        (
            "rows[1].period",
            'field period is a JSON number 2565, not text; it was read as the text "2565": put it in double quotes if that is meant',
        ),
        (
            "rows[1].output",
            'field output is a JSON boolean true, not text; it was read as the text "true": put it in double quotes if that is meant',
        ),
        (
            "rows[1].outcome",
            'field outcome is a JSON number 12.5, not text; it was read as the text "12.5": put it in double quotes if that is meant',
        ),
    ],
    "long_thai_name": [],
}
GOOD_ODD = accepted_with_warnings()


@pytest.mark.parametrize(("name", "file", "unit", "rnd", "data"), GOOD_ODD, ids=[c[0] for c in GOOD_ODD])
def test_odd_but_good_file_is_accepted_with_exactly_its_warnings(name, file, unit, rnd, data):
    rows, problems = parse_submission(data, file, unit, PLAN, AGENCY, rnd)
    assert [r.measure_code for r in rows] == ["M1"]
    assert [(p.where, p.en) for p in problems] == WARNED[name]
    assert all(p.severity == "warning" and p.th for p in problems)
    if name.endswith("_csv"):
        assert rows[0].details == "จัดทำมาตรการ" and rows[0].outcome == "รายงานผล"
