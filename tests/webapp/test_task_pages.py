"""Task pages: register an application and complete each step through the browser's forms."""
from __future__ import annotations

from models import Loan, ProcessInstance, db
from tests.factories import PASSWORD, drive, make_household, ready_task, register
from workflows import accounts, clock

APPLICATION = {"bank": "cqrcb", "amount": "30000.00", "term_months": "12", "purpose_category": "breeding",
               "purpose": "养殖生猪", "kind": "new"}
STEP_FORMS = {
    "confirm_eligibility": ("bureau", {"eligible": "yes", "eligibility_note": "核实在册"}),
    "investigate_credit": ("officer_rcb", {"grade": "AAA", "recommended_amount": "30000", "recommended_term_months": "12",
                                           "investigation_report": "有养殖经验，还款能力较强"}),
    "approve_loan": ("approver_rcb", {"decision": "approve", "approved_amount": "30000", "approved_term_months": "12",
                                      "annual_rate": "3.00", "approval_comment": "同意"}),
    "disburse_loan": ("officer_rcb", {"contract_number": "KZ-9", "disbursed_on": "", "account_number": "6228480000009"}),
}


def version(task) -> int:
    return db.session.get(ProcessInstance, task.process_instance_id).version


def submit(client, task, data: dict, **overrides):
    return client.post(f"/tasks/{task.id}", data={**data, "instance_version": version(task), **overrides})


def test_only_township_clerks_register(client, login, world):
    assert "/login" in client.get("/applications/new").headers["Location"]
    assert login("officer_rcb").get("/applications/new").status_code == 403
    html = login("clerk_hanfeng").get("/applications/new").get_data(as_text=True)
    assert 'name="id_number"' in html and "重庆农村商业银行开州支行" in html and "婚丧嫁娶" in html


def test_a_policy_refusal_shows_beside_its_field(login, world):
    household = make_household("hanfeng")
    client = login("clerk_hanfeng")
    answer = client.post("/applications/new", data={**APPLICATION, "id_number": household.id_number,
                                                    "amount": "50000.01"})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert 'id="amount-errors"' in html and "amount_over_cap" in html.split('id="amount-errors"')[1][:400]
    assert db.session.query(Loan).count() == 0
    answer = client.post("/applications/new", data={**APPLICATION, "id_number": household.id_number,
                                                    "amount": "50000.00"})
    assert answer.status_code == 302
    assert db.session.query(Loan).one().amount == 50000


def test_bad_input_and_other_townships_are_refused(login, world):
    household = make_household("hanfeng")
    client = login("clerk_zhaojia")
    assert client.post("/applications/new", data={**APPLICATION, "id_number": "123"}).status_code == 422
    assert client.post("/applications/new", data={**APPLICATION, "id_number": household.id_number}).status_code == 403


def test_each_step_through_its_page(login, world):
    loan = register(world, make_household("hanfeng"))
    for step, (username, data) in STEP_FORMS.items():
        task = ready_task(loan.id, step)
        client = login(username)
        page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
        assert f'name="instance_version" type="hidden" value="{version(task)}"' in page
        if step == "approve_loan":
            assert "有养殖经验，还款能力较强" in page and 'id="lpr-1y"' in page and "农商行 张伟" in page
        answer = submit(client, task, data, **({"disbursed_on": clock.today().isoformat()} if step == "disburse_loan" else {}))
        assert answer.status_code == 302, answer.get_data(as_text=True)
    assert db.session.get(Loan, loan.id).status == "active"


def test_a_second_submit_says_who_did_it(login, world):
    task = ready_task(register(world, make_household()).id, "confirm_eligibility")
    client = login("bureau")
    data = {**STEP_FORMS["confirm_eligibility"][1], "instance_version": version(task)}
    assert client.post(f"/tasks/{task.id}", data=data).status_code == 302
    again = client.post(f"/tasks/{task.id}", data=data)
    assert again.status_code == 409 and "该任务已由区乡村振兴局 陈静于" in again.get_data(as_text=True)


def test_a_stale_page_is_refused(login, world):
    task = ready_task(register(world, make_household()).id, "confirm_eligibility")
    answer = submit(login("bureau"), task, STEP_FORMS["confirm_eligibility"][1], instance_version=version(task) - 1)
    assert answer.status_code == 409 and "其他人已修改了这笔贷款" in answer.get_data(as_text=True)


def test_four_eyes_on_the_page(login, world):
    accounts.create_user("dual_rcb", PASSWORD, ["bank_officer", "bank_approver"], bank="cqrcb")
    db.session.commit()
    loan = register(world, make_household())
    drive(world, loan.id, until="investigate_credit")
    client = login("dual_rcb")
    assert submit(client, ready_task(loan.id, "investigate_credit"), STEP_FORMS["investigate_credit"][1]).status_code == 302
    answer = submit(client, ready_task(loan.id, "approve_loan"), STEP_FORMS["approve_loan"][1])
    assert answer.status_code == 403 and "四眼原则" in answer.get_data(as_text=True)


def test_a_rate_above_the_cap_shows_beside_the_rate(login, world):
    loan = register(world, make_household())
    drive(world, loan.id, until="approve_loan")
    answer = submit(login("approver_rcb"), ready_task(loan.id, "approve_loan"), STEP_FORMS["approve_loan"][1],
                    annual_rate="9.99")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "rate_over_cap" in html.split('id="annual_rate-errors"')[1][:400]


def test_supervisors_read_with_a_masked_id_and_outsiders_are_refused(login, world):
    task = ready_task(register(world, make_household()).id, "confirm_eligibility")
    household_id = db.session.get(Loan, task.loan_id).applicant_id_number
    answer = login("supervisor").get(f"/tasks/{task.id}")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and household_id not in html and household_id[-4:] in html
    assert 'id="task-form"' not in html
    assert login("supervisor").post(f"/tasks/{task.id}", data={"eligible": "yes"}).status_code == 403
    assert household_id in login("bureau").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert login("officer_psbc").get(f"/tasks/{task.id}").status_code == 403
    assert login("bureau").get("/tasks/999999").status_code == 404
