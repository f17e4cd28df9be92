"""The Dublin Core stand-ins that let opc-coreProperties.xsd compile offline (its imports point
at the network), shared by check_docx.py and pkg2docx.py."""
import os
import re

# Minimal stand-ins for the Dublin Core schemas that opc-coreProperties.xsd imports from the
# network (same types as the real dc.xsd / dcterms.xsd for what core.xml uses); 
DC_XSD = """<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
  xmlns="http://purl.org/dc/elements/1.1/" targetNamespace="http://purl.org/dc/elements/1.1/"
  elementFormDefault="qualified">
  <xs:import namespace="http://www.w3.org/XML/1998/namespace" schemaLocation="%(xml)s"/>
  <xs:complexType name="SimpleLiteral">
    <xs:complexContent mixed="true">
      <xs:restriction base="xs:anyType">
        <xs:sequence><xs:any processContents="lax" minOccurs="0" maxOccurs="0"/></xs:sequence>
        <xs:attribute ref="xml:lang" use="optional"/>
      </xs:restriction>
    </xs:complexContent>
  </xs:complexType>
  <xs:element name="any" type="SimpleLiteral" abstract="true"/>
  %(elements)s
</xs:schema>
"""
DCTERMS_XSD = """<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns="http://purl.org/dc/terms/" targetNamespace="http://purl.org/dc/terms/"
  elementFormDefault="qualified">
  <xs:import namespace="http://www.w3.org/XML/1998/namespace" schemaLocation="%(xml)s"/>
  <xs:import namespace="http://purl.org/dc/elements/1.1/" schemaLocation="dc.xsd"/>
  <xs:element name="created" substitutionGroup="dc:date"/>
  <xs:element name="modified" substitutionGroup="dc:date"/>
  <xs:complexType name="W3CDTF">
    <xs:simpleContent>
      <xs:restriction base="dc:SimpleLiteral">
        <xs:simpleType>
          <xs:union memberTypes="xs:gYear xs:gYearMonth xs:date xs:dateTime"/>
        </xs:simpleType>
        <xs:attribute ref="xml:lang" use="prohibited"/>
      </xs:restriction>
    </xs:simpleContent>
  </xs:complexType>
</xs:schema>
"""
DC_ELEMENTS = ("title creator subject description publisher contributor date type format "
               "identifier source language relation coverage rights").split()



def core_schema(sdir, tmp):
    """A copy of opc-coreProperties.xsd that resolves its imports locally, or None."""
    src = os.path.join(sdir, "opc-xsd", "opc-coreProperties.xsd")
    if not os.path.isfile(src):
        return None
    xml_xsd = os.path.join(sdir, "xml.xsd")
    d = os.path.join(tmp, "core-xsd")
    os.makedirs(d, exist_ok=True)
    elements = "\n  ".join('<xs:element name="%s" substitutionGroup="any"/>' % e
                           for e in DC_ELEMENTS)
    with open(os.path.join(d, "dc.xsd"), "w") as f:
        f.write(DC_XSD % {"xml": xml_xsd, "elements": elements})
    with open(os.path.join(d, "dcterms.xsd"), "w") as f:
        f.write(DCTERMS_XSD % {"xml": xml_xsd})
    with open(src) as f:
        text = f.read()
    text = re.sub(r'schemaLocation="[^"]*/dc\.xsd"', 'schemaLocation="dc.xsd"', text)
    text = re.sub(r'schemaLocation="[^"]*/dcterms\.xsd"', 'schemaLocation="dcterms.xsd"', text)
    text = text.replace('<xs:import id="xml" namespace="http://www.w3.org/XML/1998/namespace"/>',
                        '<xs:import id="xml" namespace="http://www.w3.org/XML/1998/namespace"'
                        ' schemaLocation="%s"/>' % xml_xsd)
    path = os.path.join(d, "opc-coreProperties.xsd")
    with open(path, "w") as f:
        f.write(text)
    return path
