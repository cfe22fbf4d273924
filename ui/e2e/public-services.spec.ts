/**
 * The public pages backed by the catalogue's search and the published lists: searching with the
 * API's `q` and filters (and by item code), the life-event themes and bundles on the home page,
 * and the five lists after an administrator has published one.
 */
import { expect, test } from './fixtures'
import { choose, DEMO_PASSWORD, openNav } from './flows'

test('the catalogue searches with the API and filters by audience, type and theme', async ({ page, shot, request }) => {
  await page.goto('/')
  const themes = page.getByRole('list', { name: '按主题查找' })
  await expect(themes.getByRole('link', { name: '开办餐饮店' })).toBeVisible()
  const bundle = page.locator('[data-bundle="330122-YJS-0001"]')
  await expect(bundle).toContainText('开办餐饮店一件事')
  await expect(bundle.getByRole('link', { name: '食品经营许可' })).toBeVisible()
  await shot('首页主题服务')

  await themes.getByRole('link', { name: '开办餐饮店' }).click()
  await expect(page).toHaveURL(/\/items\?theme=/)
  await expect(page.getByTestId('result-count')).toHaveText('（共 2 项）')
  await expect(page.getByRole('heading', { name: /主题“开办餐饮店”/ })).toBeVisible()

  // Words search names and keywords (餐饮 is a keyword of 食品经营许可).
  await page.goto('/items')
  await page.getByLabel('事项名称或编码').fill('餐饮')
  await page.getByRole('button', { name: '搜索' }).click()
  await expect(page).toHaveURL(/q=%E9%A4%90%E9%A5%AE/)
  await expect(page.locator('.card-list')).toContainText('食品经营许可')

  // Filters: 公共服务 then 法人 narrow the list as the API counts; the URL keeps them.
  const count = async (query: string): Promise<string> => {
    const response = await request.get(`/api/v1/items?${query}`)
    return `（共 ${response.headers()['x-total-count']} 项）`
  }
  await page.goto('/items')
  await expect(page.getByTestId('result-count')).toHaveText(await count(''))
  await choose(page, page.getByRole('combobox', { name: '事项类型' }), '公共服务')
  await expect(page).toHaveURL(/type=public_service/)
  await expect(page.getByTestId('result-count')).toHaveText(await count('type=public_service'))
  await choose(page, page.getByRole('combobox', { name: '服务对象' }), '法人办事')
  await expect(page).toHaveURL(/audience=entity/)
  await expect(page).toHaveURL(/type=public_service/)
  await expect(page.getByTestId('result-count')).toHaveText(await count('type=public_service&audience=entity'))
  await shot('办事指南筛选')

  // An item code is found though the API's search does not match codes.
  await page.goto('/items?q=330122-PSB-XK-0001')
  await expect(page.getByTestId('result-count')).toHaveText('（共 1 项）')
  await expect(page.locator('.card-list')).toContainText('居住证申领')
})

test('the five lists show what an administrator published', async ({ page, shot, request }) => {
  const token = await request.post('/api/v1/auth/token', { form: { grant_type: 'password', username: 'admin', password: DEMO_PASSWORD } })
  expect(token.ok()).toBeTruthy()
  const headers = { Authorization: `Bearer ${(await token.json()).access_token}` }
  const draft = await request.post('/api/v1/lists/fee/drafts', {
    headers,
    data: {
      department_code: 'psb',
      entries: [
        { code: 'SF-PSB-001', name: '居民身份证工本费', category: '行政事业性收费', basis: '《居民身份证法》第二十条', content: '申领、换领居民身份证', amount: '20元/证' },
        { code: 'SF-PSB-002', name: '临时居民身份证工本费', category: '行政事业性收费', basis: '《居民身份证法》第二十条', content: '申领临时居民身份证', amount: '10元/证' },
      ],
    },
  })
  expect(draft.status()).toBe(201)
  const id = (await draft.json()).id
  expect((await request.post(`/api/v1/lists/versions/${id}/submit`, { headers })).ok()).toBeTruthy()
  const today = new Date().toISOString().slice(0, 10)
  expect((await request.post(`/api/v1/lists/versions/${id}/publish`, { headers, data: { effective_date: today } })).ok()).toBeTruthy()

  await page.goto('/')
  await openNav(page, '五张清单')
  await expect(page.getByRole('heading', { name: '五张清单' })).toBeVisible()
  await page.getByRole('tab', { name: '负面清单' }).click()
  await expect(page).toHaveURL(/type=negative/)
  await expect(page.getByText('暂无已公布的负面清单')).toBeVisible()
  await page.getByRole('tab', { name: '收费清单' }).click()
  await expect(page.getByTestId('list-count')).toHaveText('（共 2 项）')
  const row = page.locator('.list-table tbody tr', { hasText: '居民身份证工本费' }).first()
  await expect(row).toContainText('20元/证')
  await expect(row).toContainText('《居民身份证法》第二十条')
  await shot('收费清单')

  // By department: another department has none.
  await choose(page, page.getByRole('combobox', { name: '实施部门' }), '示范县市场监督管理局')
  await expect(page.getByTestId('list-count')).toHaveText('（共 0 项）')
})
