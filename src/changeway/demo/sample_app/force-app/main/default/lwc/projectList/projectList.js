import { LightningElement, wire } from 'lwc';
import activeProjects from '@salesforce/apex/ProjectService.activeProjects';

export default class ProjectList extends LightningElement {
    @wire(activeProjects) projects;
}
