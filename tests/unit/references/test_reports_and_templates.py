"""Reports, report types, email templates, buttons and links, workflows: what they name."""

from __future__ import annotations

from changeway.adapters.references import extract_references
from changeway.domain.dependencies import DependencyGraph
from tests.unit.references._helpers import certain, inline, key, targets

NS = 'xmlns="http://soap.sforce.com/2006/04/metadata"'


def _xml(root: str, body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} {NS}>\n{body}\n</{root}>\n'


REPORT = _xml(
    "Report",
    """    <aggregates>
        <calculatedFormula>Shift__c.Hours__c:SUM</calculatedFormula>
    </aggregates>
    <columns>
        <field>Shift__c.Hours__c</field>
    </columns>
    <columns>
        <field>Shift__c.Guide__c.Rating__c</field>
    </columns>
    <columns>
        <field>ACCOUNT.NAME</field>
    </columns>
    <filter>
        <criteriaItems>
            <column>Shift__c.Status__c</column>
            <operator>equals</operator>
            <value>Open</value>
        </criteriaItems>
    </filter>
    <groupingsDown>
        <field>Contact.Region__c</field>
    </groupingsDown>
    <reportType>ContactCustomEntity$Shift__c@Shift__c.Tour__c</reportType>
    <timeFrameFilter>
        <dateColumn>Shift__c.Starts__c</dateColumn>
    </timeFrameFilter>""",
)


def test_report_on_standard_entities_names_objects_lookups_and_columns() -> None:
    report = inline("Report", "Tours/Open_Shifts", {"Open_Shifts.report-meta.xml": REPORT})
    assert targets(report) == {
        key("CustomField:Shift__c.Hours__c"): (4, False),
        key("CustomField:Shift__c.Guide__c"): (10, False),  # the lookup to the guide
        key("CustomField:Shift__c.Status__c"): (17, False),
        key("CustomField:Contact.Region__c"): (23, False),
        key("CustomObject:Shift__c"): (25, False),
        key("CustomField:Shift__c.Tour__c"): (25, False),
        key("CustomField:Shift__c.Starts__c"): (27, False),
    }


def test_report_on_a_custom_report_type_names_the_type_and_its_table_columns() -> None:
    body = """    <columns>
        <field>Tour__c$Capacity__c</field>
    </columns>
    <columns>
        <field>Tour__c$Guide__c.Name</field>
    </columns>
    <columns>
        <field>Tour__c.Shifts__r$Hours__c</field>
    </columns>
    <reportType>Tours_with_Shifts__c</reportType>
    <sortColumn>Tour__c$Starts__c</sortColumn>"""
    report = inline("Report", "Tours/Capacity", {"Capacity.report-meta.xml": _xml("Report", body)})
    # Tour__c.Shifts__r is a relationship: the object behind it is not in the file.
    assert targets(report) == {
        key("CustomField:Tour__c.Capacity__c"): (4, False),
        key("CustomField:Tour__c.Guide__c"): (7, False),
        key("ReportType:Tours_with_Shifts"): (12, False),
        key("CustomField:Tour__c.Starts__c"): (13, False),
    }


def test_report_type_names_its_base_object_and_the_fields_of_its_object_tables() -> None:
    body = """    <baseObject>Tour__c</baseObject>
    <join>
        <relationship>Shifts__r</relationship>
    </join>
    <sections>
        <columns>
            <field>Capacity__c</field>
            <table>Tour__c</table>
        </columns>
        <columns>
            <field>Guide__c.Phone__c</field>
            <table>Tour__c</table>
        </columns>
        <columns>
            <field>Hours__c</field>
            <table>Tour__c.Shifts__r</table>
        </columns>
        <columns>
            <field>CreatedDate</field>
            <table>Tour__c</table>
        </columns>
    </sections>"""
    report_type = inline(
        "ReportType", "Tours_with_Shifts", {"T.reportType-meta.xml": _xml("ReportType", body)}
    )
    assert targets(report_type) == {
        key("CustomObject:Tour__c"): (3, False),
        key("CustomField:Tour__c.Capacity__c"): (9, False),
        key("CustomField:Tour__c.Guide__c"): (13, False),
    }


EMAIL_META = _xml(
    "EmailTemplate",
    """    <available>true</available>
    <letterhead>Tour_Letterhead</letterhead>
    <name>Shift reminder</name>
    <subject>Your shift on {!Shift__c.Starts__c}</subject>
    <textOnly>Hello {!Contact.FirstName},
see you at {!Tour__c.Meeting_Point__c} ({!$Label.Tour_Footer}).</textOnly>
    <type>html</type>""",
)

EMAIL_BODY = """<p>Hello {!Receiving_User.Nickname__c},</p>
<p>{!Shift__c.Guide__c} meets you at {!Tour__c.Meeting_Point__c}.</p>
<p>Contact: {!IF(ISBLANK(Tour__c.Phone__c), "none", Tour__c.Phone__c)}
{!$Setup.Tour_Settings__c.Office__c} {!Organization.Name} Tour__c.Ignored__c</p>
"""


def test_email_template_merge_fields_letterhead_and_globals() -> None:
    template = inline(
        "EmailTemplate",
        "Tours/Shift_Reminder",
        {"Shift_Reminder.email": EMAIL_BODY, "Shift_Reminder.email-meta.xml": EMAIL_META},
    )
    assert targets(template) == {
        key("CustomField:User.Nickname__c"): (1, False),
        key("CustomObject:Shift__c"): (2, False),
        key("CustomField:Shift__c.Guide__c"): (2, False),
        key("CustomObject:Tour__c"): (2, False),
        key("CustomField:Tour__c.Meeting_Point__c"): (2, False),
        key("CustomField:Tour__c.Phone__c"): (3, False),
        key("CustomObject:Tour_Settings__c"): (4, False),
        key("CustomField:Tour_Settings__c.Office__c"): (4, False),
        key("Letterhead:Tour_Letterhead"): (4, False),
        key("CustomField:Shift__c.Starts__c"): (6, False),
        key("CustomLabel:Tour_Footer"): (8, False),
    }


def test_visualforce_email_template_reads_fields_through_its_objects() -> None:
    body = """<messaging:emailTemplate subject="Shift" recipientType="Contact"
    relatedToType="Shift__c">
<messaging:htmlEmailBody>
<p>{!recipient.Nickname__c}: {!relatedTo.Starts__c}, {!relatedTo.Tour__r.Name}</p>
<c:tourFooter tour="{!relatedTo.Tour__c}"/>
</messaging:htmlEmailBody>
</messaging:emailTemplate>
"""
    template = inline("EmailTemplate", "Tours/Vf", {"Vf.email": body})
    assert targets(template) == {
        key("CustomObject:Shift__c"): (1, False),
        key("ApexComponent:tourFooter"): (5, False),
        key("CustomField:Contact.Nickname__c"): (4, False),
        key("CustomField:Shift__c.Starts__c"): (4, False),
        key("CustomField:Shift__c.Tour__c"): (4, True),
    }


def test_link_url_names_merge_fields_setup_values_and_the_page_it_opens() -> None:
    body = """    <fullName>Roster</fullName>
    <linkType>url</linkType>
    <url>/apex/{!$Setup.Tour_Settings__c.Prefix__c}TourRoster?tour={!Shift__c.TourId__c}&amp;s={!Shift__c.Id}&amp;r={!
IF(ISNULL(Shift__c.Id), URLFOR($Action.Contact.View, Contact.Id), Shift__c.Hours__c)}</url>"""
    link = inline("WebLink", "Shift__c.Roster", {"Roster.webLink-meta.xml": _xml("WebLink", body)})
    found = targets(link)
    assert found == {
        key("CustomObject:Tour_Settings__c"): (5, False),
        key("CustomField:Tour_Settings__c.Prefix__c"): (5, False),
        key("CustomObject:Shift__c"): (5, False),
        key("CustomField:Shift__c.TourId__c"): (5, False),
        key("CustomField:Shift__c.Hours__c"): (6, False),
        key("ApexPage:TourRoster"): (5, False),
    }
    # TourId__c is the id of the lookup Tour__c, or a field of its own name.
    (tour,) = [r for r in extract_references(link) if r.target.name == "Shift__c.TourId__c"]
    assert tour.alternatives == (key("CustomField:Shift__c.Tour__c"),)
    graph = DependencyGraph()
    graph.replace(link.key, extract_references(link), set())
    present = [link.key, key("CustomField:Shift__c.Tour__c")]
    available = {
        key("CustomObject:Shift__c"),
        key("CustomField:Shift__c.Hours__c"),
        key("CustomObject:Tour_Settings__c"),
        key("CustomField:Tour_Settings__c.Prefix__c"),
        key("ApexPage:TourRoster"),
    }
    assert graph.missing(present, available=available) == []


def test_workflow_and_sharing_rules_belong_to_their_custom_object() -> None:
    empty = _xml("Workflow", "")
    workflow = inline("Workflow", "Tour__c", {"Tour__c.workflow-meta.xml": empty})
    standard = inline("Workflow", "Contact", {"Contact.workflow-meta.xml": empty})
    sharing = inline(
        "SharingRules", "Tour__c", {"Tour__c.sharingRules-meta.xml": _xml("SharingRules", "")}
    )
    assert certain(workflow) == certain(sharing) == {key("CustomObject:Tour__c")}
    assert certain(standard) == set()


def test_navigation_menu_and_prompt_name_the_objects_they_lead_to() -> None:
    menu = _xml(
        "NavigationMenu",
        """    <navigationMenuItem>
        <label>Bikes</label>
        <target>Bike__c</target>
        <type>SalesforceObject</type>
    </navigationMenuItem>
    <navigationMenuItem>
        <label>Help</label>
        <target>Help_Center__c</target>
        <type>InternalLink</type>
    </navigationMenuItem>""",
    )
    prompt = _xml(
        "Prompt",
        """    <masterLabel>Bike tips</masterLabel>
    <promptVersions>
        <targetPageKey1>Bike__c</targetPageKey1>
        <targetPageKey2>view</targetPageKey2>
        <targetPageType>standard__recordPage</targetPageType>
    </promptVersions>
    <promptVersions>
        <targetPageKey1>Shop_Home</targetPageKey1>
        <targetPageType>standard__navItemPage</targetPageType>
    </promptVersions>""",
    )
    found_menu = targets(inline("NavigationMenu", "Main", {"Main.navigationMenu-meta.xml": menu}))
    found_prompt = targets(inline("Prompt", "Tips", {"Tips.prompt-meta.xml": prompt}))
    # Another item type's target is a URL or page name, not an object.
    assert found_menu == {key("CustomObject:Bike__c"): (5, False)}
    assert found_prompt == {key("CustomObject:Bike__c"): (5, False)}


def test_dashboard_names_the_reports_of_its_components() -> None:
    body = """    <dashboardType>LoggedInUser</dashboardType>
    <leftSection>
        <components>
            <componentType>Bar</componentType>
            <report>Tours/Open_Shifts</report>
        </components>
    </leftSection>
    <dashboardGridComponents>
        <dashboardComponent>
            <report>Tours/Capacity</report>
        </dashboardComponent>
    </dashboardGridComponents>"""
    dashboard = inline(
        "Dashboard", "Tours/Overview", {"O.dashboard-meta.xml": _xml("Dashboard", body)}
    )
    assert targets(dashboard) == {
        key("Report:Tours/Open_Shifts"): (7, False),
        key("Report:Tours/Capacity"): (12, False),
    }
